"""A GET writes nothing: every page without parameters, opened by every role, leaves the
journal and every table as they were. The defaults (procedures, message templates) are
made when the organisation is created, not on the first view of a page.

One documented exception: every page an auditor opens is journaled (`audit.page_viewed`,
DESIGN.md "the auditor's space"), so for the auditor the journal grows by exactly those
entries and nothing else changes."""

import hashlib
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from parcours.audit.services import PAGE_VIEWED
from parcours.core import journal
from parcours.core.models import JournalEntry, Organisation
from parcours.core.services import create_organisation
from parcours.followup.models import Procedure
from parcours.messaging.models import MessageTemplate
from parcours.safeguarding.models import PreventionProcedure
from tests.conftest import World, login

ROLES = ["director", "quality", "officer", "tutor_user", "learner_user", "auditor"]
SKIPPED = ("admin/", "deconnexion/", "api/v1/openapi")  # Django's admin; logout is POST


def pages(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every route of the app that takes no parameter."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if "<" in route or route.startswith(SKIPPED) or "^" in route:
            continue
        if isinstance(entry, URLResolver):
            found += pages(entry, route)
        elif isinstance(entry, URLPattern):
            found.append("/" + route)
    return sorted(set(found))


def database() -> dict[str, str]:
    """A digest of every table's rows."""
    state = {}
    for model in apps.get_models():
        rows = list(model._default_manager.order_by("pk").values_list())
        state[model._meta.label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return state


def test_the_list_of_pages_covers_the_app() -> None:
    found = pages()
    for page in ("/", "/prevention-violences/", "/procedure/", "/messages/modeles/", "/suivi/"):
        assert page in found, (page, found)


@pytest.mark.parametrize("persona", ROLES)
def test_no_page_writes_on_get(persona: str, request: Any, world_a: World) -> None:
    client = login(request.getfixturevalue(persona))
    before, entries = database(), JournalEntry.objects.exclude(verb=PAGE_VIEWED).count()
    public = [f"/signalement/{world_a.org.slug}/", f"/signalement/{world_a.org.slug}/procedure/"]
    statuses = {page: client.get(page).status_code for page in pages() + public}
    assert JournalEntry.objects.exclude(verb=PAGE_VIEWED).count() == entries
    after = database()
    changed = [table for table in before if before[table] != after[table]]
    if persona == "auditor":  # the auditor's view journal, and nothing else
        views = JournalEntry.objects.filter(verb=PAGE_VIEWED).count()
        assert views == len(statuses)
        changed = [t for t in changed if t not in {"core.JournalEntry", "core.JournalChain"}]
    assert changed == [], statuses
    assert statuses["/"] == 200
    assert statuses["/prevention-violences/"] == 200  # used to create the procedure


def test_a_new_organisation_has_its_defaults_from_the_start(db: None) -> None:
    org = create_organisation(acting_user=None, name="Neuf", slug="neuf")
    assert PreventionProcedure.objects.filter(organisation=org, number=1).exists()
    assert Procedure.objects.get(organisation=org).versions.filter(number=1).exists()
    assert MessageTemplate.objects.filter(organisation=org).count() > 0
    assert Organisation.objects.get(pk=org.pk)


@pytest.mark.parametrize(
    ("app", "migration"),
    [
        ("safeguarding", "0003_default_procedures"),
        ("followup", "0005_default_procedures"),
        ("messaging", "0003_default_templates"),
    ],
)
def test_the_data_migrations_give_older_organisations_their_defaults(
    org_a: Organisation, app: str, migration: str
) -> None:
    """An organisation created before the hooks existed, with none of its defaults."""
    PreventionProcedure.objects.filter(organisation=org_a).delete()
    Procedure.objects.filter(organisation=org_a).delete()
    MessageTemplate.objects.filter(organisation=org_a).delete()
    module = importlib.import_module(f"parcours.{app}.migrations.{migration}")
    module.create_defaults(apps, None)
    made = {
        "safeguarding": PreventionProcedure.objects.filter(organisation=org_a),
        "followup": Procedure.objects.filter(organisation=org_a),
        "messaging": MessageTemplate.objects.filter(organisation=org_a),
    }[app]
    assert made.exists()
    assert journal.verify(org_a.pk).ok
