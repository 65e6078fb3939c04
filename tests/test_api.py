"""REST API v1, driven through its real URLs with a token, as an integrator would."""

import datetime as dt
import io
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from parcours.api.services import rotate_token
from parcours.attendance.models import AttendanceMark
from parcours.core import journal
from parcours.core.models import JournalEntry, Role, User
from parcours.core.services import create_member
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment, Learner
from parcours.programmes import services as programme_services
from parcours.programmes.models import Session, Slot
from tests.conftest import World, login

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
API = "/api/v1"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {rotate_token(user, acting_user=None).key}")
    return client


@pytest.fixture
def api(director: User) -> APIClient:
    return client_for(director)


def make_slot(world: World, day: dt.date, acting_user: User | None = None) -> Slot:
    return programme_services.create_slot(
        world.session,
        acting_user=acting_user,
        starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=PARIS),
        ends_at=dt.datetime.combine(day, dt.time(12), tzinfo=PARIS),
    )


def last_entry(obj: Any) -> JournalEntry:
    entry = (
        JournalEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("-pk")
        .first()
    )
    assert entry is not None
    return entry


SESSION = {
    "external_id": "A-S2",
    "title": "Paie automne",
    "category": "AF",
    "modality": "hybride",
    "start_date": "2026-09-07",
    "end_date": "2026-12-18",
    "duration_hours": "35",
}


def test_sessions_create_read_update_journaled_as_token_user(
    api: APIClient, director: User, world_a: World
) -> None:
    response = api.post(f"{API}/sessions/", SESSION)
    assert response.status_code == 201, response.json()
    created = response.json()
    session = Session.objects.get(pk=created["id"])
    assert session.organisation == world_a.org
    assert created["duration_hours"] == "35.00"
    entry = last_entry(session)
    assert (entry.action, entry.actor) == ("create", director)

    listed = api.get(f"{API}/sessions/", {"external_id": "A-S2"}).json()
    assert [row["id"] for row in listed["results"]] == [session.pk]
    assert api.get(f"{API}/sessions/").json()["count"] == 2

    response = api.patch(
        f"{API}/sessions/{session.pk}/",
        {"title": "Paie et DSN", "programme": world_a.programme.pk},
    )
    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert (session.title, session.programme) == ("Paie et DSN", world_a.programme)
    entry = last_entry(session)
    assert entry.action == "update" and entry.actor == director
    assert entry.changes["title"] == ["Paie automne", "Paie et DSN"]

    full = {**SESSION, "title": "Paie", "capacity": 12}
    response = api.put(f"{API}/sessions/{session.pk}/", full)
    assert response.status_code == 200
    assert api.get(f"{API}/sessions/{session.pk}/").json()["capacity"] == 12


def test_learners_create_search_update(api: APIClient, world_a: World) -> None:
    response = api.post(
        f"{API}/learners/",
        {"external_id": "A-L2", "last_name": "Nguyễn", "first_name": "Zoé", "disability": True},
    )
    assert response.status_code == 201, response.json()
    learner = Learner.objects.get(pk=response.json()["id"])
    assert learner.organisation == world_a.org and learner.disability

    found = api.get(f"{API}/learners/", {"q": "nguy"}).json()["results"]
    assert [row["external_id"] for row in found] == ["A-L2"]
    found = api.get(f"{API}/learners/", {"external_id": "A-L1"}).json()["results"]
    assert [row["id"] for row in found] == [world_a.learner.pk]

    response = api.patch(f"{API}/learners/{learner.pk}/", {"email": "zoe@exemple.fr"})
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.email == "zoe@exemple.fr"


def test_enrolment_by_external_ids_and_lifecycle(
    api: APIClient, director: User, world_a: World
) -> None:
    learner = learner_services.create_learner(
        world_a.org, acting_user=director, external_id="A-L2", last_name="Durand"
    )
    response = api.post(
        f"{API}/enrolments/",
        {
            "learner_external_id": "A-L2",
            "session_external_id": "A-S1",
            "enrolled_on": "2026-02-25",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["learner"], body["session"], body["status"]) == (
        learner.pk,
        world_a.session.pk,
        "inscrit",
    )
    assert body["learner_external_id"] == "A-L2"
    enrolment = Enrolment.objects.get(pk=body["id"])
    assert last_entry(enrolment).actor == director

    again = api.post(
        f"{API}/enrolments/",
        {"learner": learner.pk, "session": world_a.session.pk, "enrolled_on": "2026-02-25"},
    )
    assert again.status_code == 400
    assert again.json() == {"session": ["Cet apprenant est déjà inscrit à cette session."]}

    url = f"{API}/enrolments/{enrolment.pk}/transition/"
    assert api.post(url, {"status": "en_cours", "on": "2026-03-02"}).status_code == 200
    refused = api.post(url, {"status": "abandon", "on": "2026-04-10"})
    assert refused.status_code == 400
    assert refused.json() == {"reason": ["Le motif d'abandon est obligatoire."]}
    response = api.post(url, {"status": "abandon", "on": "2026-04-10", "reason": "Emploi"})
    assert response.status_code == 200
    assert response.json()["status"] == "abandon"
    assert response.json()["ended_on"] == "2026-04-10"
    entry = last_entry(enrolment)
    assert (entry.verb, entry.actor) == ("enrolment.abandon", director)

    assert journal.verify(world_a.org.pk).ok
    after_end = api.post(url, {"status": "termine", "on": "2026-05-01"})
    assert after_end.status_code == 400
    assert after_end.json()["status"] == ["Passage impossible de « Abandon » à « Terminé »."]


def test_enrolment_update_details_not_status(api: APIClient, world_a: World) -> None:
    url = f"{API}/enrolments/{world_a.enrolment.pk}/"
    response = api.patch(url, {"enrolled_on": "2026-02-18", "status": "termine"})
    assert response.status_code == 200
    world_a.enrolment.refresh_from_db()
    assert world_a.enrolment.enrolled_on == dt.date(2026, 2, 18)
    assert world_a.enrolment.status == "inscrit"  # status moves only by a transition

    other = learner_services.create_learner(world_a.org, acting_user=None, last_name="Autre")
    moved = api.patch(url, {"learner": other.pk})
    assert moved.status_code == 400
    assert moved.json() == {"learner": ["Ne se modifie pas : créez une autre inscription."]}


def test_enrolment_id_and_external_id_must_agree(api: APIClient, world_a: World) -> None:
    learner_services.create_learner(
        world_a.org, acting_user=None, external_id="A-L2", last_name="X"
    )
    response = api.post(
        f"{API}/enrolments/",
        {
            "learner": world_a.learner.pk,
            "learner_external_id": "A-L2",
            "session": world_a.session.pk,
            "enrolled_on": "2026-02-25",
        },
    )
    assert response.status_code == 400
    assert list(response.json()) == ["learner"]


def test_attendance_create_update_and_filter(
    api: APIClient, director: User, world_a: World
) -> None:
    first = make_slot(world_a, dt.date(2026, 3, 3))
    second = make_slot(world_a, dt.date(2026, 3, 10))
    response = api.post(
        f"{API}/attendance/",
        {"slot": first.pk, "enrolment": world_a.enrolment.pk, "status": "present"},
    )
    assert response.status_code == 201, response.json()
    mark = AttendanceMark.objects.get(pk=response.json()["id"])
    assert (mark.method, mark.recorded_by) == ("api", director)
    assert last_entry(mark).actor == director
    assert response.json()["learner"] == world_a.learner.pk

    response = api.post(
        f"{API}/attendance/",
        {
            "slot": second.pk,
            "enrolment": world_a.enrolment.pk,
            "status": "retard",
            "minutes_late": 20,
        },
    )
    assert response.status_code == 201
    late = response.json()
    assert late["minutes_late"] == 20

    response = api.patch(f"{API}/attendance/{late['id']}/", {"status": "excuse", "note": "Train"})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["note"]) == ("excuse", "Train")
    assert response.json()["minutes_late"] is None

    rows = api.get(f"{API}/attendance/", {"date_from": "2026-03-05"}).json()["results"]
    assert [row["slot"] for row in rows] == [second.pk]
    rows = api.get(
        f"{API}/attendance/", {"session": world_a.session.pk, "learner": world_a.learner.pk}
    ).json()["results"]
    assert len(rows) == 2
    assert api.get(f"{API}/attendance/", {"slot": first.pk}).json()["count"] == 1
    assert api.get(f"{API}/attendance/", {"date_to": "2026-03-02"}).json()["count"] == 0


def test_attendance_refuses_learner_of_another_session(
    api: APIClient, director: User, world_a: World
) -> None:
    other = programme_services.create_session(
        world_a.org,
        acting_user=director,
        title="Autre",
        category="AF",
        modality="distanciel",
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 3, 31),
        duration_hours=Decimal(7),
    )
    slot = programme_services.create_slot(
        other,
        acting_user=director,
        starts_at=dt.datetime(2026, 3, 3, 9, tzinfo=PARIS),
        ends_at=dt.datetime(2026, 3, 3, 12, tzinfo=PARIS),
    )
    response = api.post(
        f"{API}/attendance/",
        {"slot": slot.pk, "enrolment": world_a.enrolment.pk, "status": "present"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Cet apprenant n'est pas inscrit à la session de cette séance."]
    }
    assert not AttendanceMark.objects.exists()


def test_validation_errors_are_400_in_french(api: APIClient, world_a: World) -> None:
    response = api.post(
        f"{API}/sessions/",
        {**SESSION, "end_date": "2026-09-01"},
    )
    assert response.status_code == 400
    assert response.json() == {"end_date": ["La fin ne peut pas précéder le début."]}

    response = api.post(
        f"{API}/sessions/",
        {**SESSION, "external_id": "A-S1"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Une session porte déjà cet identifiant externe."]
    }

    response = api.post(
        f"{API}/sessions/",
        {
            "title": None,
            "category": "XX",
            "start_date": "2026-02-30",
            "duration_hours": "1e400",
            "capacity": 10**30,
            "programme": "abc",
        },
    )
    assert response.status_code == 400
    errors = response.json()
    assert errors["title"] == ["Ce champ ne peut être nul."]
    assert "XX" in errors["category"][0] and "n'est pas un choix valide" in errors["category"][0]
    assert errors["modality"] == ["Ce champ est obligatoire."]
    assert "La date n'a pas le bon format" in errors["start_date"][0]
    assert errors["capacity"] == ["Assurez-vous que cette valeur est inférieure ou égale à 100000."]
    assert errors["programme"] == ["Type incorrect. Attendait une clé primaire, a reçu str."]
    assert set(errors) >= {"duration_hours", "end_date"}

    response = api.post(
        f"{API}/enrolments/",
        {"learner": 10**40, "session": -1, "enrolled_on": "2026-01-01"},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"learner", "session"}

    response = api.post(f"{API}/learners/", [1, 2])
    assert response.status_code == 400
    deep = b"[" * 100_000 + b"]" * 100_000
    response = api.post(f"{API}/learners/", deep, content_type="application/json")
    assert response.status_code == 400
    response = api.post(
        f"{API}/enrolments/",
        b'{"learner_external_id": "\\ud800", "session_external_id": "A\\u0000"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"learner_external_id", "session_external_id", "enrolled_on"}
    response = api.post(
        f"{API}/enrolments/",
        {"learner_external_id": "", "session_external_id": None, "enrolled_on": "2026-01-01"},
    )
    assert response.json() == {
        "learner_external_id": ["Ce champ ne peut être vide."],
        "session_external_id": ["Ce champ ne peut être nul."],
    }
    response = api.post(f"{API}/learners/", b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert api.get(f"{API}/learners/{'9' * 30}/").status_code == 404
    assert api.get(f"{API}/attendance/", {"session": "x"}).status_code == 400
    assert api.get(f"{API}/attendance/", {"date_from": "2026-13-01"}).status_code == 400
    assert api.get(f"{API}/learners/", {"page": 99}).status_code == 404


def test_outsider_sees_nothing_of_organisation_a(
    outsider: User, world_a: World, world_b: World
) -> None:
    client = client_for(outsider)
    slot = make_slot(world_a, dt.date(2026, 3, 3))
    for kind in ("sessions", "learners", "enrolments", "attendance"):
        response = client.get(f"{API}/{kind}/")
        assert response.status_code == 200
        assert all(
            row["id"] != world_a.learner.pk or kind != "learners"
            for row in response.json()["results"]
        )
    assert [r["external_id"] for r in client.get(f"{API}/learners/").json()["results"]] == ["B-L1"]
    assert [r["external_id"] for r in client.get(f"{API}/sessions/").json()["results"]] == ["B-S1"]
    assert client.get(f"{API}/learners/", {"external_id": "A-L1"}).json()["count"] == 0

    assert client.get(f"{API}/learners/{world_a.learner.pk}/").status_code == 404
    assert client.get(f"{API}/sessions/{world_a.session.pk}/").status_code == 404
    assert client.get(f"{API}/enrolments/{world_a.enrolment.pk}/").status_code == 404
    response = client.patch(f"{API}/learners/{world_a.learner.pk}/", {"last_name": "Pirate"})
    assert response.status_code == 404
    response = client.post(
        f"{API}/enrolments/{world_a.enrolment.pk}/transition/",
        {"status": "en_cours", "on": "2026-03-02"},
    )
    assert response.status_code == 404

    response = client.post(
        f"{API}/enrolments/",
        {"learner": world_a.learner.pk, "session": world_b.session.pk, "enrolled_on": "2026-03-01"},
    )
    assert response.status_code == 400
    assert "learner" in response.json()
    response = client.post(
        f"{API}/enrolments/",
        {"learner_external_id": "A-L1", "session_external_id": "A-S1", "enrolled_on": "2026-03-01"},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"learner_external_id", "session_external_id"}
    response = client.post(
        f"{API}/attendance/",
        {"slot": slot.pk, "enrolment": world_a.enrolment.pk, "status": "absent"},
    )
    assert response.status_code == 400
    assert Enrolment.objects.filter(learner=world_a.learner).count() == 1
    assert not AttendanceMark.objects.exists()
    world_a.learner.refresh_from_db()
    assert world_a.learner.last_name == "MartinA"


def test_auditor_reads_only(auditor: User, world_a: World) -> None:
    client = client_for(auditor)
    assert client.get(f"{API}/learners/").json()["count"] == 1
    assert client.get(f"{API}/enrolments/{world_a.enrolment.pk}/").status_code == 200
    response = client.post(f"{API}/learners/", {"last_name": "X"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Vous n'avez pas la permission d'effectuer cette action."}
    response = client.patch(f"{API}/learners/{world_a.learner.pk}/", {"last_name": "X"})
    assert response.status_code == 403
    assert not Learner.objects.filter(last_name="X").exists()


def test_expired_auditor_tutor_and_learner_are_refused(
    org_a: Any, tutor_user: User, learner_user: User, world_a: World
) -> None:
    expired = create_member(
        org_a,
        acting_user=None,
        email="ancien-auditeur@certif.test",
        role=Role.AUDITEUR,
        expires_at=timezone.now() - dt.timedelta(days=1),
    ).user
    for user in (expired, tutor_user, learner_user):
        client = client_for(user)
        assert client.get(f"{API}/learners/").status_code == 403
        assert client.get(f"{API}/learners/{world_a.learner.pk}/").status_code == 403


def test_credentials_are_required(world_a: World, director: User) -> None:
    assert APIClient().get(f"{API}/sessions/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(f"{API}/sessions/").status_code == 401
    inactive = client_for(director)
    director.is_active = False
    director.save(update_fields=["is_active"])
    assert inactive.get(f"{API}/sessions/").status_code == 401


def test_browser_session_reads_and_writes_need_csrf(director: User, world_a: World) -> None:
    browser = login(director)
    assert browser.get(f"{API}/sessions/").status_code == 200
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(director)
    response = browser.post(f"{API}/learners/", {"last_name": "X"})
    assert response.status_code == 403


def test_token_command_creates_and_rotates(director: User, org_a: Any) -> None:
    out = io.StringIO()
    call_command(
        "api", "token", "--email", "DIRECTION@forma.test", stdout=out, stderr=io.StringIO()
    )
    first = out.getvalue().strip()
    assert Token.objects.get(user=director).key == first
    out = io.StringIO()
    call_command("api", "token", "--email", director.email, stdout=out, stderr=io.StringIO())
    second = out.getvalue().strip()
    assert second != first and Token.objects.get(user=director).key == second
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get(f"{API}/sessions/").status_code == 401
    entry = JournalEntry.objects.filter(verb="api.token_rotated").get()
    assert entry.organisation == org_a
    assert second not in str(entry.changes) and first not in str(entry.changes)


@pytest.mark.parametrize(
    ("kind", "build"),
    [
        ("sessions", "sessions"),
        ("learners", "learners"),
        ("enrolments", "enrolments"),
        ("attendance", "marks"),
    ],
)
def test_lists_query_count_does_not_grow(
    api: APIClient, director: User, world_a: World, kind: str, build: str
) -> None:
    def queries() -> int:
        api.get(f"{API}/{kind}/")  # warm the membership and token caches alike
        with CaptureQueriesContext(connection) as context:
            response = api.get(f"{API}/{kind}/", {"page_size": 100})
        assert response.status_code == 200
        return len(context.captured_queries)

    def add(count: int) -> None:
        for _ in range(count):
            n = Learner.objects.count()
            learner = learner_services.create_learner(
                world_a.org, acting_user=director, external_id=f"A-L{n + 10}", last_name=f"N{n}"
            )
            session = programme_services.create_session(
                world_a.org,
                acting_user=director,
                external_id=f"A-S{n + 10}",
                title=f"S{n}",
                category="AF",
                modality="presentiel",
                start_date=dt.date(2026, 3, 1),
                end_date=dt.date(2026, 6, 30),
                duration_hours=Decimal(10),
            )
            enrolment = learner_services.enrol(
                learner, session, acting_user=director, enrolled_on=dt.date(2026, 2, 1)
            )
            slot = programme_services.create_slot(
                session,
                acting_user=director,
                starts_at=dt.datetime(2026, 3, 3, 9, tzinfo=PARIS),
                ends_at=dt.datetime(2026, 3, 3, 12, tzinfo=PARIS),
            )
            api.post(
                f"{API}/attendance/",
                {"slot": slot.pk, "enrolment": enrolment.pk, "status": "present"},
                format="json",
            )

    add(3)
    few = queries()
    add(17)
    assert api.get(f"{API}/{kind}/").json()["count"] >= 20
    assert queries() == few


def test_openapi_schema_describes_token_auth(client: Any) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert {
        "/api/v1/sessions/",
        "/api/v1/learners/{id}/",
        "/api/v1/enrolments/{id}/transition/",
        "/api/v1/attendance/",
    } <= set(schema["paths"])


def test_openapi_schema_is_valid_without_warnings(tmp_path: Any) -> None:
    target = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "tokenAuth" in target.read_text(encoding="utf-8")
