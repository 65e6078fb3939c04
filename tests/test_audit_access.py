"""The auditor's space: the direction grants, renews and revokes a time-limited access;
the auditor reads (every page journaled) and can write nothing anywhere; an expired
auditor is refused everywhere."""

import copy
import datetime as dt
import io
import zipfile
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from parcours.audit.models import EvidencePack, PackState
from parcours.core.models import JournalEntry, Membership, Role, User
from tests.conftest import World, login
from tests.test_get_writes_nothing import database, pages

NOW = dt.datetime(2026, 7, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_direction_grants_renews_and_revokes_an_auditor_access(
    as_director: Any, director: User
) -> None:
    url = reverse("audit:auditors")
    response = as_director.post(url, {"email": "Auditrice@Certif.test", "expires_on": "2026-07-31"})
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="auditrice@certif.test")
    assert membership.role == Role.AUDITEUR
    assert membership.organisation_id == director.membership.organisation_id
    assert membership.is_valid_at(NOW) and not membership.is_valid_at(
        dt.datetime(2026, 8, 1, 0, 0, tzinfo=dt.UTC)
    )
    assert JournalEntry.objects.filter(verb="audit.access_granted").count() == 1
    page = as_director.get(url).content.decode()
    assert "auditrice@certif.test" in page and "31/07/2026" in page

    as_director.post(url, {"email": "auditrice@certif.test", "expires_on": "2026-09-30"})
    membership.refresh_from_db()
    assert membership.is_valid_at(dt.datetime(2026, 9, 30, 12, 0, tzinfo=dt.UTC))
    assert Membership.objects.filter(role=Role.AUDITEUR).count() == 1
    assert JournalEntry.objects.filter(verb="audit.access_renewed").count() == 1

    revoke = as_director.post(reverse("audit:auditor_revoke", args=[membership.pk]))
    assert revoke.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_valid_at(NOW + dt.timedelta(seconds=1))
    assert JournalEntry.objects.filter(verb="audit.access_revoked").count() == 1


def test_a_bad_grant_gets_a_french_message_and_changes_nothing(
    as_director: Any, director: User, outsider: User
) -> None:
    url = reverse("audit:auditors")
    before = database()
    for data, message in [
        ({"email": "a@certif.test", "expires_on": "2026-07-15"}, "doit être future"),
        ({"email": "a@certif.test", "expires_on": "2027-12-31"}, "dépasser un an"),
        ({"email": outsider.email, "expires_on": "2026-07-31"}, "pas un auditeur"),
        ({"email": director.email, "expires_on": "2026-07-31"}, "pas un auditeur"),
    ]:
        response = as_director.post(url, data)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert database() == before


def test_only_the_direction_grants(quality: User, auditor: User) -> None:
    for user in (quality, auditor):
        response = login(user).get(reverse("audit:auditors"))
        assert response.status_code == 403


def test_the_auditor_reads_and_every_page_is_journaled(auditor: User, world_a: World) -> None:
    client = login(auditor)
    home = client.get("/")
    assert home.status_code == 200
    assert "Espace de l'auditeur" in home.content.decode()
    framework = client.get(reverse("audit:framework") + "?version=V10")
    assert "I33" in framework.content.decode()
    assert client.get(reverse("audit:packs")).status_code == 200
    viewed = list(
        JournalEntry.objects.filter(verb="audit.page_viewed").values_list("changes", flat=True)
    )
    paths = [c["path"] for c in viewed]
    assert paths == ["/", "/audit/referentiel/?version=V10", "/audit/dossiers/"]
    assert JournalEntry.objects.filter(verb="audit.page_viewed", actor=auditor).count() == 3


def _every_url(world: World, pack: EvidencePack, auditor_membership: Membership) -> list[str]:
    """Every page without parameter, the audit pages with theirs, and records of others."""
    found = set(pages())
    found |= {
        reverse("audit:pack", args=[pack.pk]),
        reverse("audit:pack_download", args=[pack.pk]),
        reverse("audit:auditor_revoke", args=[auditor_membership.pk]),
        f"/sessions/{world.session.pk}/",
        f"/apprenants/{world.learner.pk}/",
    }
    return sorted(found - {reverse("logout")})


def test_the_auditor_can_write_nothing_anywhere(
    auditor: User, director: User, world_a: World
) -> None:
    pack = EvidencePack.objects.create(
        organisation=world_a.org, as_of=dt.date(2026, 7, 1), created_by=director
    )
    client = login(auditor)
    before = database()
    urls = _every_url(world_a, pack, auditor.membership)
    audit_urls = [u for u in urls if u.startswith("/audit/")]
    assert len(audit_urls) >= 7
    refused = {url: client.post(url, {"as_of": "2026-07-01"}).status_code for url in urls}
    assert set(refused.values()) == {403}, {u: s for u, s in refused.items() if s != 403}
    for method in ("put", "patch", "delete"):
        for url in audit_urls + ["/", "/apprenants/"]:
            assert getattr(client, method)(url).status_code == 403
    after = database()
    assert after == before
    assert client.post(reverse("logout")).status_code == 302


def test_an_expired_auditor_is_refused_everywhere(
    auditor: User, world_a: World, frozen: Any
) -> None:
    Membership.objects.filter(user=auditor).update(expires_at=NOW + dt.timedelta(days=1))
    client = login(auditor)
    assert client.get("/").status_code == 200
    frozen.shift(dt.timedelta(days=2))
    statuses = {url: client.get(url).status_code for url in pages()}
    assert set(statuses.values()) == {403}, statuses
    again = login(auditor)  # logging in again does not help
    assert again.get(reverse("audit:framework")).status_code == 403


def test_a_pack_requested_on_the_page_is_built_by_the_worker_and_downloaded(
    as_director: Any, auditor: User, world_a: World, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    response = as_director.post(reverse("audit:packs"), {"as_of": "2026-07-15", "seed": "1"})
    pack = EvidencePack.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "audit:pack", args=[pack.pk]
    )
    waiting = as_director.get(reverse("audit:pack", args=[pack.pk]))
    assert waiting["Refresh"] == "3" and "En attente" in waiting.content.decode()
    call_command("worker", "--once", stdout=io.StringIO())
    pack.refresh_from_db()
    assert pack.state == PackState.DONE and pack.progress == 100 and len(pack.sha256) == 64
    done = as_director.get(reverse("audit:pack", args=[pack.pk]))
    assert "Refresh" not in done and pack.sha256 in done.content.decode()
    download = login(auditor).get(reverse("audit:pack_download", args=[pack.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "I12/emargements/A-S1.pdf" in archive.namelist()
    assert JournalEntry.objects.filter(verb="audit.pack_built").count() == 1


def test_bad_pack_requests_change_nothing(as_director: Any, world_a: World) -> None:
    before = database()
    future = as_director.post(reverse("audit:packs"), {"as_of": "2026-08-01"})
    assert "dans le futur" in future.content.decode()
    unknown = as_director.post(reverse("audit:packs"), {"as_of": "2026-07-01", "seed": "-1"})
    assert "supérieure ou égale à 0" in unknown.content.decode()
    assert database() == before


def test_packs_of_another_organisation_are_not_found(
    outsider: User, director: User, world_a: World
) -> None:
    pack = EvidencePack.objects.create(
        organisation=world_a.org, as_of=dt.date(2026, 7, 1), created_by=director
    )
    client = login(outsider)
    assert client.get(reverse("audit:pack", args=[pack.pk])).status_code == 404
    assert client.get(reverse("audit:pack_download", args=[pack.pk])).status_code == 404


def test_the_auditor_home_shows_the_blocks_other_apps_register(
    auditor: User, tmp_path: Any, settings: Any
) -> None:
    from parcours.audit import home

    (tmp_path / "block.html").write_text("<p>Préparation : {{ block.status }}</p>")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path]
    settings.TEMPLATES = templates  # the engines are rebuilt with the test's folder
    home.register_block("block.html", lambda request: {"status": "démontrable"}, order=1)
    home.register_block("hidden.html", lambda request: None, order=2)
    try:
        page = login(auditor).get("/").content.decode()
    finally:
        home._blocks.pop("block.html")
        home._blocks.pop("hidden.html")
    assert "Préparation : démontrable" in page
    assert "Référentiel national qualité" in page and "Dossiers de preuves" in page


def test_the_framework_page_lists_each_version_s_texts(as_director: Any) -> None:
    v9 = as_director.get(reverse("audit:framework") + "?version=V9").content.decode()
    assert v9.count('<tr id="I') == 32 and "31/10/2026" in v9
    v10 = as_director.get(reverse("audit:framework") + "?version=V10").content.decode()
    assert v10.count('<tr id="I') == 33 and "harcèlement" in v10
    assert "en vigueur aujourd'hui" in as_director.get(reverse("audit:framework")).content.decode()
    assert as_director.get(reverse("audit:framework") + "?version=V8").status_code == 404
