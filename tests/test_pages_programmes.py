"""The back office pages for programmes (formations), sessions and séances, as staff use them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.core.models import JournalEntry, Organisation, User
from parcours.core.services import create_site
from parcours.learners import services as learner_services
from parcours.programmes import services
from parcours.programmes.models import Programme, Session, Slot, Trainer
from tests.conftest import World, login

PARIS = timezone.get_fixed_timezone(120)  # CEST, the spring of the sessions below


def add_programme(org: Organisation, title: str, **values) -> Programme:
    defaults = {
        "category": "AF",
        "modality": "presentiel",
        "duration_hours": Decimal("35"),
        "duration_days": Decimal("5"),
    }
    return services.create_programme(org, acting_user=None, title=title, **{**defaults, **values})


def add_session(org: Organisation, title: str, start: dt.date, end: dt.date, **values) -> Session:
    defaults = {"category": "AF", "modality": "presentiel", "duration_hours": Decimal("35")}
    return services.create_session(
        org,
        acting_user=None,
        title=title,
        start_date=start,
        end_date=end,
        **{**defaults, **values},
    )


def add_trainer(org: Organisation, last_name: str) -> Trainer:
    return services.create_trainer(org, acting_user=None, last_name=last_name, first_name="Alex")


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def table_rows(html: str) -> str:
    """The body of the page's first table (where the list's rows are), or ''."""
    start = html.find("<tbody>")
    return html[start : html.find("</tbody>", start)] if start >= 0 else ""


def journal_of(obj, action: str) -> JournalEntry:
    return JournalEntry.objects.get(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
    )


# Programmes


def test_programme_list_shows_the_organisations_programmes_and_filters_narrow_them(
    as_director: Client, world_a: World, world_b: World
) -> None:
    org = world_a.org
    add_programme(org, "Bilan de compétences", category="BC", modality="distanciel")
    add_programme(org, "Titre professionnel comptable", is_certifying=True, code="TP-COMPTA")
    add_programme(org, "Ancienne formation Excel", is_active=False)

    page = as_director.get("/formations/")
    assert page.status_code == 200
    for title in ("Comptabilité A", "Bilan de compétences", "Titre professionnel", "Excel"):
        assert title in page.text
    assert "Comptabilité B" not in page.text

    def titles(query: str) -> set[str]:
        text = table_rows(as_director.get(f"/formations/?{query}").text)
        names = ["Comptabilité A", "Bilan de compétences", "Titre professionnel", "Excel"]
        return {name for name in names if name in text}

    assert titles("q=tp-compta") == {"Titre professionnel"}
    assert titles("q=bilan") == {"Bilan de compétences"}
    assert titles("category=BC") == {"Bilan de compétences"}
    assert titles("modality=distanciel") == {"Bilan de compétences"}
    assert titles("certifying=oui") == {"Titre professionnel"}
    assert titles("active=non") == {"Excel"}
    assert titles("active=oui&category=AF") == {"Comptabilité A", "Titre professionnel"}
    # A value that is not a choice is ignored, never an error page.
    assert titles("category=XYZ&tri=drop%20table") == titles("")


def test_programme_list_sorts_by_whitelisted_columns(as_director: Client, world_a: World) -> None:
    add_programme(world_a.org, "Anglais professionnel", code="Z99")
    add_programme(world_a.org, "Zen au travail", code="B01")

    def order(query: str) -> list[str]:
        rows = table_rows(as_director.get(f"/formations/?{query}").text)
        return sorted(["Anglais", "Comptabilité", "Zen"], key=rows.index)

    assert order("tri=titre") == ["Anglais", "Comptabilité", "Zen"]
    assert order("tri=-titre") == ["Zen", "Comptabilité", "Anglais"]
    assert order("tri=code") == ["Comptabilité", "Zen", "Anglais"]  # A-PRG, B01, Z99
    assert order("tri=inconnu") == order("")  # not a sort key: the default order


def test_programme_list_is_paginated_by_25(as_director: Client, world_a: World) -> None:
    for i in range(30):
        add_programme(world_a.org, f"Module {i:02d}")
    first = as_director.get("/formations/?tri=titre")
    assert "Module 23" in first.text and "Module 24" not in first.text
    assert "Page 1 sur 2" in first.text
    second = as_director.get("/formations/?tri=titre&page=2")
    assert "Module 24" in second.text and "Module 29" in second.text


def test_director_creates_a_programme_and_the_journal_names_them(
    as_director: Client, director: User, world_a: World
) -> None:
    response = as_director.post(
        "/formations/nouvelle/",
        {
            "title": "Gestion de paie",
            "code": "PAIE",
            "category": "AF",
            "modality": "hybride",
            "duration_hours": "70",
            "duration_days": "10",
            "is_certifying": "on",
            "certification_code": "RS5678",
            "is_active": "on",
        },
    )
    programme = Programme.objects.get(code="PAIE")
    assert response.status_code == 302 and response["Location"] == f"/formations/{programme.pk}/"
    assert programme.organisation == world_a.org
    assert programme.is_certifying and programme.modality == "hybride"
    entry = journal_of(programme, "create")
    assert entry.actor == director and entry.organisation == world_a.org
    detail = as_director.get(response["Location"])
    assert "Gestion de paie" in detail.text and "RS5678" in detail.text
    assert "Formation créée." in detail.text


def test_invalid_programme_is_refused_in_french_and_nothing_is_written(
    as_director: Client, world_a: World
) -> None:
    before = (Programme.objects.count(), JournalEntry.objects.count())
    valid = {
        "title": "Gestion de paie",
        "category": "AF",
        "modality": "presentiel",
        "duration_hours": "7",
        "duration_days": "1",
    }
    missing = as_director.post("/formations/nouvelle/", {**valid, "title": ""})
    assert missing.status_code == 200 and "Ce champ est obligatoire." in missing.text
    negative = as_director.post("/formations/nouvelle/", {**valid, "duration_hours": "-3"})
    assert negative.status_code == 200
    assert "supérieure ou égale à 0" in negative.text
    assert 'value="Gestion de paie"' in negative.text  # what was typed is kept
    # The same internal code twice in an organisation is refused too, not a 500.
    duplicate = as_director.post("/formations/nouvelle/", {**valid, "code": "A-PRG"})
    assert duplicate.status_code == 200
    assert "Une autre formation porte déjà ce code." in duplicate.text
    assert (Programme.objects.count(), JournalEntry.objects.count()) == before


def test_programme_edit_changes_it_and_journals_the_change(
    as_officer: Client, officer: User, world_a: World
) -> None:
    programme = world_a.programme
    form = as_officer.get(f"/formations/{programme.pk}/modifier/")
    assert form.status_code == 200 and 'value="Comptabilité A"' in form.text
    response = as_officer.post(
        f"/formations/{programme.pk}/modifier/",
        {
            "title": "Comptabilité générale A",
            "code": "A-PRG",
            "category": "AF",
            "modality": "distanciel",
            "duration_hours": "70",
            "duration_days": "10",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.title == "Comptabilité générale A" and programme.modality == "distanciel"
    entry = journal_of(programme, "update")
    assert entry.actor == officer
    assert entry.changes["title"] == ["Comptabilité A", "Comptabilité générale A"]


def test_programme_page_shows_its_facts_and_sessions(as_director: Client, world_a: World) -> None:
    other = add_session(
        world_a.org,
        "Comptabilité A automne",
        dt.date(2026, 9, 7),
        dt.date(2026, 12, 18),
        programme=world_a.programme,
    )
    page = as_director.get(f"/formations/{world_a.programme.pk}/")
    assert page.status_code == 200
    assert "A-PRG" in page.text and "Présentiel" in page.text
    assert "Comptabilité A printemps" in page.text and other.title in page.text
    assert "07/09/2026" in page.text  # dates as dd/mm/YYYY


# Sessions


@pytest.fixture
def spring_sessions(world_a: World) -> dict[str, Session]:
    """Around 15 April 2026: one past, one current (the world's), one upcoming, one BC."""
    org = world_a.org
    return {
        "past": add_session(
            org, "Excel hiver", dt.date(2026, 1, 5), dt.date(2026, 2, 27), external_id="XL-H"
        ),
        "current": world_a.session,
        "future": add_session(
            org, "Excel été", dt.date(2026, 6, 1), dt.date(2026, 7, 3), modality="distanciel"
        ),
        "bc": add_session(
            org, "Bilan printemps", dt.date(2026, 4, 1), dt.date(2026, 5, 29), category="BC"
        ),
    }


@time_machine.travel(dt.datetime(2026, 4, 15, 10, tzinfo=PARIS))
def test_session_list_filters_by_period_programme_and_search(
    as_director: Client, world_a: World, world_b: World, spring_sessions: dict[str, Session]
) -> None:
    def titles(query: str = "") -> set[str]:
        text = table_rows(as_director.get(f"/sessions/?{query}").text)
        return {key for key, s in spring_sessions.items() if s.title in text}

    assert titles() == {"past", "current", "future", "bc"}
    assert "Comptabilité B" not in as_director.get("/sessions/").text
    assert titles("period=en_cours") == {"current", "bc"}
    assert titles("period=a_venir") == {"future"}
    assert titles("period=passees") == {"past"}
    assert titles("category=BC") == {"bc"}
    assert titles("modality=distanciel") == {"future"}
    assert titles(f"programme={world_a.programme.pk}") == {"current"}
    assert titles("q=xl-h") == {"past"}
    assert titles("q=excel") == {"past", "future"}
    # Sorted by start date, most recent first by default; ?tri=debut the other way.
    text = table_rows(as_director.get("/sessions/?tri=debut").text)
    assert text.index("Excel hiver") < text.index("Comptabilité A") < text.index("Excel été")


def test_director_creates_a_session_with_the_organisations_trainers_and_site(
    as_director: Client, director: User, world_a: World, world_b: World
) -> None:
    trainer = add_trainer(world_a.org, "Durand")
    add_trainer(world_b.org, "Etranger")
    site = create_site(world_a.org, acting_user=None, name="Campus Nord", city="Lille")
    create_site(world_b.org, acting_user=None, name="Site de l'autre")
    form = as_director.get(f"/sessions/nouvelle/?programme={world_a.programme.pk}")
    assert "Durand" in form.text and "Campus Nord" in form.text
    assert "Etranger" not in form.text and "Site de l'autre" not in form.text
    assert "Comptabilité B" not in form.text
    assert f'<option value="{world_a.programme.pk}" selected>' in form.text

    response = as_director.post(
        "/sessions/nouvelle/",
        {
            "title": "Comptabilité A été",
            "programme": world_a.programme.pk,
            "external_id": "A-S2",
            "category": "AF",
            "modality": "presentiel",
            "start_date": "2026-07-01",
            "end_date": "2026-07-31",
            "duration_hours": "35",
            "site": site.pk,
            "trainers": [trainer.pk],
            "capacity": "12",
        },
    )
    session = Session.objects.get(external_id="A-S2")
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
    assert session.organisation == world_a.org and session.site == site
    assert list(session.trainers.all()) == [trainer]
    entry = journal_of(session, "create")
    assert entry.actor == director and entry.changes["trainers"] == [None, [trainer.pk]]


def test_session_form_refuses_another_organisations_objects(
    as_director: Client, world_a: World, world_b: World
) -> None:
    foreign_trainer = add_trainer(world_b.org, "Etranger")
    foreign_site = create_site(world_b.org, acting_user=None, name="Site B")
    before = Session.objects.count()
    response = as_director.post(
        "/sessions/nouvelle/",
        {
            "title": "Session piégée",
            "programme": world_b.programme.pk,
            "category": "AF",
            "modality": "presentiel",
            "start_date": "2026-07-01",
            "end_date": "2026-07-31",
            "duration_hours": "35",
            "site": foreign_site.pk,
            "trainers": [foreign_trainer.pk],
        },
    )
    assert response.status_code == 200
    assert response.text.count("Sélectionnez un choix valide") == 3
    assert "Comptabilité B" not in response.text and "Etranger" not in response.text
    assert Session.objects.count() == before


def test_session_dates_out_of_order_are_refused_in_french(
    as_director: Client, world_a: World
) -> None:
    session = world_a.session
    response = as_director.post(
        f"/sessions/{session.pk}/modifier/",
        {
            "title": session.title,
            "category": "AF",
            "modality": "presentiel",
            "start_date": "2026-06-01",
            "end_date": "2026-05-01",
            "duration_hours": "70",
        },
    )
    assert response.status_code == 200
    assert "La fin ne peut pas précéder le début." in response.text
    session.refresh_from_db()
    assert session.end_date == dt.date(2026, 6, 26)


def test_session_edit_changes_trainers_and_journals_it(
    as_officer: Client, officer: User, world_a: World
) -> None:
    first, second = add_trainer(world_a.org, "Durand"), add_trainer(world_a.org, "Petit")
    session = world_a.session
    session.trainers.set([first])
    response = as_officer.post(
        f"/sessions/{session.pk}/modifier/",
        {
            "title": "Comptabilité A printemps (groupe 1)",
            "programme": world_a.programme.pk,
            "external_id": "A-S1",
            "category": "AF",
            "modality": "presentiel",
            "start_date": "2026-03-02",
            "end_date": "2026-06-26",
            "duration_hours": "70",
            "trainers": [second.pk],
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title.endswith("(groupe 1)")
    assert list(session.trainers.all()) == [second]
    entry = journal_of(session, "update")
    assert entry.actor == officer and entry.changes["trainers"] == [[first.pk], [second.pk]]


def test_session_page_shows_trainers_slots_and_enrolled_learners(
    as_director: Client, world_a: World
) -> None:
    session = world_a.session
    trainer = add_trainer(world_a.org, "Durand")
    session.trainers.set([trainer])
    services.create_slot(
        session,
        acting_user=None,
        starts_at=dt.datetime(2026, 3, 2, 9, tzinfo=timezone.get_fixed_timezone(60)),
        ends_at=dt.datetime(2026, 3, 2, 12, 30, tzinfo=timezone.get_fixed_timezone(60)),
        trainer=trainer,
        room="Salle 4",
        label="Le bilan",
    )
    learner_services.change_status(
        world_a.enrolment, "en_cours", acting_user=None, on=dt.date(2026, 3, 2)
    )
    page = as_director.get(f"/sessions/{session.pk}/")
    assert page.status_code == 200
    assert "Alex Durand" in page.text
    assert "02/03/2026" in page.text and "09:00" in page.text and "12:30" in page.text
    assert "Salle 4" in page.text and "Le bilan" in page.text
    assert "Camille MartinA" in page.text and '<span class="badge en_cours">En cours' in page.text
    assert "Ajouter une séance" in page.text


def test_slots_are_added_edited_and_deleted_from_the_session_page(
    as_officer: Client, officer: User, world_a: World
) -> None:
    session = world_a.session
    trainer = add_trainer(world_a.org, "Durand")
    data = {
        "starts_at": "2026-03-09T09:00",
        "ends_at": "2026-03-09T12:00",
        "trainer": trainer.pk,
        "room": "Salle 2",
        "label": "Introduction",
    }
    response = as_officer.post(f"/sessions/{session.pk}/seances/nouvelle/", data)
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
    slot = Slot.objects.get(session=session)
    assert timezone.localtime(slot.starts_at).hour == 9 and slot.trainer == trainer
    assert slot.label == "Introduction" and slot.room == "Salle 2"
    assert journal_of(slot, "create").actor == officer

    # Sent back unchanged (times in Paris time, as the form shows them): nothing journaled.
    unchanged = as_officer.post(f"/sessions/{session.pk}/seances/{slot.pk}/modifier/", data)
    assert unchanged.status_code == 302
    assert not JournalEntry.objects.filter(object_type="programmes.slot", action="update")
    edit = as_officer.post(
        f"/sessions/{session.pk}/seances/{slot.pk}/modifier/", {**data, "room": "Salle 5"}
    )
    assert edit.status_code == 302
    slot.refresh_from_db()
    assert slot.room == "Salle 5"
    assert journal_of(slot, "update").changes == {"room": ["Salle 2", "Salle 5"]}

    confirm = as_officer.get(f"/sessions/{session.pk}/seances/{slot.pk}/supprimer/")
    assert confirm.status_code == 200 and "09/03/2026" in confirm.text
    assert Slot.objects.filter(pk=slot.pk).exists()
    deleted = as_officer.post(f"/sessions/{session.pk}/seances/{slot.pk}/supprimer/")
    assert deleted.status_code == 302
    assert not Slot.objects.filter(pk=slot.pk).exists()
    assert journal_of(slot, "delete").actor == officer


def test_a_slot_ending_before_it_starts_is_refused(as_officer: Client, world_a: World) -> None:
    session = world_a.session
    response = as_officer.post(
        f"/sessions/{session.pk}/seances/nouvelle/",
        {"starts_at": "2026-03-09T12:00", "ends_at": "2026-03-09T09:00"},
    )
    assert response.status_code == 200
    assert "La fin doit suivre le début." in response.text
    assert not Slot.objects.exists()


def test_a_slot_is_reached_only_through_its_own_session(as_officer: Client, world_a: World) -> None:
    slot = services.create_slot(
        world_a.session,
        acting_user=None,
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=2),
    )
    other = add_session(world_a.org, "Autre", dt.date(2026, 1, 1), dt.date(2026, 1, 2))
    assert as_officer.get(f"/sessions/{other.pk}/seances/{slot.pk}/modifier/").status_code == 404
    assert as_officer.post(f"/sessions/{other.pk}/seances/{slot.pk}/supprimer/").status_code == 404
    assert Slot.objects.filter(pk=slot.pk).exists()


# Roles


def test_auditor_sees_no_edit_buttons(auditor: User, world_a: World) -> None:
    """Read-only: the pages show no way to change anything (every write URL answers 403
    to the auditor: tests/test_isolation.py)."""
    client = login(auditor)
    session, programme = world_a.session, world_a.programme
    for url in (
        "/formations/",
        f"/formations/{programme.pk}/",
        "/sessions/",
        f"/sessions/{session.pk}/",
    ):
        page = client.get(url)
        assert page.status_code == 200 and "Comptabilité A" in page.text
        for hidden in ("Modifier", "Nouvelle", "Ajouter une séance", "Supprimer"):
            assert hidden not in page.text, (url, hidden)


# No N+1: the number of queries does not grow with the rows shown.


def test_list_pages_do_not_grow_their_queries_with_rows(
    as_director: Client, world_a: World
) -> None:
    org = world_a.org

    def grow(n: int) -> None:
        for _ in range(n):
            i = Programme.objects.count()
            programme = add_programme(org, f"Formation {i}")
            session = add_session(
                org, f"Session {i}", dt.date(2026, 1, 1), dt.date(2026, 2, 1), programme=programme
            )
            learner = learner_services.create_learner(org, acting_user=None, last_name=f"L{i}")
            learner_services.enrol(
                learner, session, acting_user=None, enrolled_on=dt.date(2026, 1, 1)
            )

    grow(4)
    small = {url: count_queries(as_director, url) for url in ("/formations/", "/sessions/")}
    grow(26)
    large = {url: count_queries(as_director, url) for url in ("/formations/", "/sessions/")}
    assert small == large


def test_detail_and_form_pages_do_not_grow_their_queries_with_rows(
    as_director: Client, world_a: World
) -> None:
    org, session, programme = world_a.org, world_a.session, world_a.programme
    urls = (
        f"/sessions/{session.pk}/",
        f"/formations/{programme.pk}/",
        f"/sessions/{session.pk}/modifier/",
        "/sessions/nouvelle/",
    )

    def grow(n: int) -> None:
        for _ in range(n):
            i = Trainer.objects.count()
            trainer = add_trainer(org, f"Formateur{i}")
            session.trainers.add(trainer)
            start = timezone.now() + dt.timedelta(days=i)
            services.create_slot(
                session,
                acting_user=None,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=3),
                trainer=trainer,
            )
            learner = learner_services.create_learner(org, acting_user=None, last_name=f"L{i}")
            learner_services.enrol(
                learner, session, acting_user=None, enrolled_on=dt.date(2026, 1, 1)
            )
            add_session(org, f"S{i}", dt.date(2026, 1, 1), dt.date(2026, 2, 1), programme=programme)
            create_site(org, acting_user=None, name=f"Site {i}")

    grow(5)
    small = [count_queries(as_director, url) for url in urls]
    grow(25)
    large = [count_queries(as_director, url) for url in urls]
    assert small == large
