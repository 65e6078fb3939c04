"""The back office pages for learners (apprenants) and enrolments (inscriptions)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from parcours.core.models import JournalEntry, Organisation, User
from parcours.learners import selectors
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment, Learner
from parcours.programmes import services as programme_services
from parcours.programmes.models import Session
from tests.conftest import World, login
from tests.test_pages_programmes import count_queries, journal_of, table_rows


def add_learner(org: Organisation, last_name: str, **values) -> Learner:
    return learner_services.create_learner(org, acting_user=None, last_name=last_name, **values)


def add_session(org: Organisation, title: str) -> Session:
    return programme_services.create_session(
        org,
        acting_user=None,
        title=title,
        category="AF",
        modality="presentiel",
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 12, 18),
        duration_hours=Decimal("35"),
    )


def enrol(learner: Learner, session: Session, on: dt.date = dt.date(2026, 1, 5)) -> Enrolment:
    return learner_services.enrol(learner, session, acting_user=None, enrolled_on=on)


# Learners


def test_learner_list_search_and_filters_narrow_the_rows(
    as_director: Client, world_a: World, world_b: World
) -> None:
    org = world_a.org
    excel = add_session(org, "Excel")
    rows = {
        "world": world_a.learner,
        "dupont": add_learner(org, "Dupont", first_name="Léa", email="lea@exemple.fr"),
        "bernard": add_learner(org, "Bernard", external_id="EXT-77", disability=True),
        "petit": add_learner(org, "Petit", first_name="Hugo"),
    }
    enrol(rows["dupont"], excel)
    left = enrol(rows["petit"], excel)
    learner_services.change_status(
        left, "abandon", acting_user=None, on=dt.date(2026, 2, 1), reason="Déménagement"
    )

    def found(query: str = "") -> set[str]:
        text = table_rows(as_director.get(f"/apprenants/?{query}").text)
        return {key for key, learner in rows.items() if learner.last_name in text}

    assert found() == set(rows)
    assert "MartinB" not in as_director.get("/apprenants/").text
    assert found("q=dupont") == {"dupont"}
    assert found("q=l%C3%A9a+dupont") == {"dupont"}
    assert found("q=lea@exemple") == {"dupont"}
    assert found("q=ext-77") == {"bernard"}
    assert found("disability=oui") == {"bernard"}
    assert found("disability=non") == {"world", "dupont", "petit"}
    assert found(f"session={excel.pk}") == {"dupont", "petit"}
    assert found("status=abandon") == {"petit"}
    assert found(f"session={excel.pk}&status=inscrit") == {"dupont"}
    assert found(f"session={world_a.session.pk}&status=abandon") == set()
    # Sorted by name by default, descending on demand.
    text = table_rows(as_director.get("/apprenants/?tri=-nom").text)
    assert text.index("Petit") < text.index("MartinA") < text.index("Dupont")


def test_learner_list_is_paginated_by_25(as_director: Client, world_a: World) -> None:
    for i in range(30):
        add_learner(world_a.org, f"Nom{i:02d}")
    first = as_director.get("/apprenants/")
    assert "Nom23" in first.text and "Nom24" not in first.text and "Page 1 sur 2" in first.text
    second = as_director.get("/apprenants/?page=2&q=nom")
    assert "Nom29" in second.text and "Page 2 sur 2" in second.text


def test_learner_page_shows_facts_enrolments_and_the_timeline(
    as_officer: Client, world_a: World
) -> None:
    learner, enrolment = world_a.learner, world_a.enrolment
    learner_services.update_learner(learner, acting_user=None, disability=True, phone="0601")
    learner_services.change_status(enrolment, "en_cours", acting_user=None, on=dt.date(2026, 3, 2))
    learner_services.change_status(
        enrolment, "abandon", acting_user=None, on=dt.date(2026, 4, 10), reason="Santé"
    )
    page = as_officer.get(f"/apprenants/{learner.pk}/")
    assert page.status_code == 200
    assert "Camille MartinA" in page.text and "0601" in page.text
    assert "Situation de handicap" in page.text
    assert '<span class="badge abandon">Abandon</span>' in page.text
    assert "20/02/2026" in page.text and "Santé" in page.text
    assert f"/inscriptions/nouvelle/?learner={learner.pk}" in page.text
    timeline = page.text[page.text.index('class="timeline"') :]
    inscription = timeline.index("Inscription à « Comptabilité A printemps »")
    start = timeline.index("Entrée en formation")
    dropout = timeline.index("Abandon de « Comptabilité A printemps »")
    assert inscription < start < dropout
    assert "10/04/2026" in timeline[dropout - 200 : dropout]


def test_other_apps_add_events_to_the_timeline(
    as_officer: Client, world_a: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def calls(learner: Learner, user: User):
        assert user.email == "suivi@forma.test"
        yield selectors.TimelineItem(
            at=dt.datetime(2026, 2, 25, 14, 30, tzinfo=dt.UTC),
            kind="appel",
            title="Appel de suivi",
            detail="Motivé, pas d'inquiétude",
        )
        yield selectors.TimelineItem(at=dt.date(2026, 1, 10), kind="note", title="Premier contact")

    monkeypatch.setattr(selectors, "TIMELINE_PROVIDERS", [*selectors.TIMELINE_PROVIDERS, calls])
    page = as_officer.get(f"/apprenants/{world_a.learner.pk}/").text
    timeline = page[page.index('class="timeline"') :]
    assert (
        timeline.index("Premier contact")
        < timeline.index("Inscription à")
        < timeline.index("Appel de suivi")
    )
    assert "25/02/2026 15:30" in timeline  # shown in Paris time
    assert "Motivé, pas d&#x27;inquiétude" in timeline


def test_director_creates_a_learner_and_the_journal_names_them(
    as_director: Client, director: User, world_a: World
) -> None:
    response = as_director.post(
        "/apprenants/nouveau/",
        {
            "last_name": "Nguyen",
            "first_name": "Linh",
            "email": "linh@exemple.fr",
            "birth_date": "2001-05-17",
            "disability": "on",
        },
    )
    learner = Learner.objects.get(last_name="Nguyen")
    assert response.status_code == 302 and response["Location"] == f"/apprenants/{learner.pk}/"
    assert learner.organisation == world_a.org and learner.disability
    assert learner.birth_date == dt.date(2001, 5, 17)
    assert journal_of(learner, "create").actor == director
    page = as_director.get(response["Location"])
    assert "17/05/2001" in page.text and "Apprenant créé." in page.text


def test_invalid_learner_is_refused_in_french_and_nothing_is_written(
    as_director: Client, world_a: World
) -> None:
    before = (Learner.objects.count(), JournalEntry.objects.count())
    response = as_director.post(
        "/apprenants/nouveau/", {"last_name": "", "email": "pas-une-adresse"}
    )
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.text
    assert "Saisissez une adresse e-mail valide." in response.text
    duplicate = as_director.post("/apprenants/nouveau/", {"last_name": "X", "external_id": "A-L1"})
    assert duplicate.status_code == 200
    assert "Un autre apprenant porte déjà cet identifiant externe." in duplicate.text
    assert (Learner.objects.count(), JournalEntry.objects.count()) == before


def test_learner_edit_changes_it_and_journals_the_change(
    as_officer: Client, officer: User, world_a: World
) -> None:
    learner = world_a.learner
    form = as_officer.get(f"/apprenants/{learner.pk}/modifier/")
    assert 'value="MartinA"' in form.text
    response = as_officer.post(
        f"/apprenants/{learner.pk}/modifier/",
        {
            "last_name": "Martin-Durand",
            "first_name": "Camille",
            "external_id": "A-L1",
            "email": "camille.a@exemple.fr",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.last_name == "Martin-Durand"
    entry = journal_of(learner, "update")
    assert entry.actor == officer and entry.changes == {"last_name": ["MartinA", "Martin-Durand"]}


# Enrolments


def test_enrolment_list_search_and_filters_narrow_the_rows(
    as_director: Client, world_a: World, world_b: World
) -> None:
    org = world_a.org
    excel = add_session(org, "Excel")
    dupont, petit = add_learner(org, "Dupont"), add_learner(org, "Petit")
    rows = {
        "world": world_a.enrolment,
        "dupont": enrol(dupont, excel, on=dt.date(2026, 3, 1)),
        "petit": enrol(petit, excel, on=dt.date(2026, 1, 10)),
    }
    learner_services.change_status(
        rows["petit"], "abandon", acting_user=None, on=dt.date(2026, 2, 1), reason="Emploi"
    )

    def found(query: str = "") -> set[str]:
        text = table_rows(as_director.get(f"/inscriptions/?{query}").text)
        return {key for key, e in rows.items() if e.learner.last_name in text}

    assert found() == set(rows)
    assert "MartinB" not in as_director.get("/inscriptions/").text
    assert found("q=dupont") == {"dupont"}
    assert found("q=camille+martina") == {"world"}
    assert found("status=abandon") == {"petit"}
    assert found("status=inscrit") == {"world", "dupont"}
    assert found(f"session={excel.pk}") == {"dupont", "petit"}
    assert found(f"programme={world_a.programme.pk}") == {"world"}
    # Active on D: enrolled on or before D, not yet left (ended_on > D).
    assert found("active_on=2026-01-31") == {"petit"}
    assert found("active_on=2026-02-01") == set()
    assert found("active_on=2026-02-20") == {"world"}
    assert found("active_on=2026-03-01") == {"world", "dupont"}
    assert found("active_on=pas-une-date") == set(rows)
    text = table_rows(as_director.get("/inscriptions/?tri=date").text)
    assert text.index("Petit") < text.index("MartinA") < text.index("Dupont")


def test_enrolling_from_the_learner_page(
    as_officer: Client, officer: User, world_a: World, world_b: World
) -> None:
    learner = add_learner(world_a.org, "Dupont")
    excel = add_session(world_a.org, "Excel")
    form = as_officer.get(f"/inscriptions/nouvelle/?learner={learner.pk}")
    assert form.status_code == 200
    assert f'<option value="{learner.pk}" selected>' in form.text
    assert "MartinB" not in form.text and "Comptabilité B" not in form.text
    response = as_officer.post(
        "/inscriptions/nouvelle/",
        {"learner": learner.pk, "session": excel.pk, "enrolled_on": "2026-01-12"},
    )
    enrolment = Enrolment.objects.get(learner=learner)
    assert response.status_code == 302
    assert response["Location"] == f"/inscriptions/{enrolment.pk}/"
    assert enrolment.session == excel and enrolment.status == "inscrit"
    assert enrolment.enrolled_on == dt.date(2026, 1, 12)
    assert journal_of(enrolment, "create").actor == officer
    # The same learner twice in a session: a French error, nothing written.
    again = as_officer.post(
        "/inscriptions/nouvelle/",
        {"learner": learner.pk, "session": excel.pk, "enrolled_on": "2026-01-13"},
    )
    assert again.status_code == 200
    assert "Cet apprenant est déjà inscrit à cette session." in again.text
    assert Enrolment.objects.filter(learner=learner).count() == 1


def test_enrolment_form_refuses_another_organisations_learner_and_session(
    as_officer: Client, world_a: World, world_b: World
) -> None:
    before = Enrolment.objects.count()
    response = as_officer.post(
        "/inscriptions/nouvelle/",
        {
            "learner": world_b.learner.pk,
            "session": world_b.session.pk,
            "enrolled_on": "2026-01-12",
        },
    )
    assert response.status_code == 200
    assert response.text.count("Sélectionnez un choix valide") == 2
    assert "MartinB" not in response.text
    assert Enrolment.objects.count() == before


def test_enrolment_edit_changes_details_but_never_the_status(
    as_officer: Client, officer: User, world_a: World
) -> None:
    enrolment = world_a.enrolment
    funder = learner_services.create_funder(
        world_a.org, acting_user=None, name="OPCO Atlas", kind="opco"
    )
    form = as_officer.get(f"/inscriptions/{enrolment.pk}/modifier/")
    assert "OPCO Atlas" in form.text and 'name="status"' not in form.text
    response = as_officer.post(
        f"/inscriptions/{enrolment.pk}/modifier/",
        {"enrolled_on": "2026-02-18", "funder": funder.pk, "status": "termine"},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.funder == funder and enrolment.enrolled_on == dt.date(2026, 2, 18)
    assert enrolment.status == "inscrit"
    entry = journal_of(enrolment, "update")
    assert entry.actor == officer and set(entry.changes) == {"enrolled_on", "funder_id"}


def test_lifecycle_start_then_finish_through_the_enrolment_page(
    as_officer: Client, officer: User, world_a: World
) -> None:
    enrolment, url = world_a.enrolment, f"/inscriptions/{world_a.enrolment.pk}/"
    page = as_officer.get(url)
    assert "Démarrer la formation" in page.text and "Enregistrer un abandon" in page.text
    # An abandon is recorded on the follow-up's dropout form (cause, actions, exit interview).
    assert f"/suivi/inscriptions/{enrolment.pk}/abandon/" in page.text
    assert "Terminer" not in page.text  # not from "inscrit"
    started = as_officer.post(f"{url}statut/", {"status": "en_cours", "on": "2026-03-02"})
    assert started.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "en_cours" and enrolment.started_on == dt.date(2026, 3, 2)
    page = as_officer.get(url)
    assert "Terminer" in page.text and "Démarrer la formation" not in page.text
    finished = as_officer.post(f"{url}statut/", {"status": "termine", "on": "2026-06-26"})
    assert finished.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "termine" and enrolment.ended_on == dt.date(2026, 6, 26)
    verbs = list(
        JournalEntry.objects.filter(
            object_type="learners.enrolment", object_id=str(enrolment.pk), actor=officer
        ).values_list("verb", flat=True)
    )
    assert verbs == ["enrolment.en_cours", "enrolment.termine"]
    page = as_officer.get(url)
    assert '<span class="badge termine">Terminé</span>' in page.text
    assert "Enregistrer un abandon" not in page.text


def test_a_dropout_needs_a_reason_and_a_date_after_the_enrolment(
    as_officer: Client, world_a: World
) -> None:
    enrolment, url = world_a.enrolment, f"/inscriptions/{world_a.enrolment.pk}/statut/"
    no_reason = as_officer.post(url, {"status": "abandon", "on": "2026-03-10", "reason": " "})
    assert no_reason.status_code == 200
    assert "Le motif d&#x27;abandon est obligatoire." in no_reason.text
    too_early = as_officer.post(url, {"status": "abandon", "on": "2026-01-01", "reason": "X"})
    assert "La date ne peut pas précéder l&#x27;inscription." in too_early.text
    no_date = as_officer.post(url, {"status": "abandon", "on": "", "reason": "X"})
    assert "Ce champ est obligatoire." in no_date.text
    enrolment.refresh_from_db()
    assert enrolment.status == "inscrit" and enrolment.ended_on is None

    done = as_officer.post(
        url, {"status": "abandon", "on": "2026-03-10", "reason": "Reprise d'emploi"}
    )
    assert done.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "abandon" and enrolment.ended_on == dt.date(2026, 3, 10)
    assert enrolment.end_reason == "Reprise d'emploi"


def test_a_transition_no_longer_possible_is_explained(as_officer: Client, world_a: World) -> None:
    url = f"/inscriptions/{world_a.enrolment.pk}/statut/"
    response = as_officer.post(url, {"status": "termine", "on": "2026-03-10"})
    assert response.status_code == 200
    assert "Passage impossible de « Inscrit » à « Terminé »." in response.text
    forged = as_officer.post(url, {"status": "supprime", "on": "2026-03-10"})
    assert forged.status_code == 200 and "Sélectionnez un choix valide" in forged.text
    assert as_officer.get(url).status_code == 405
    world_a.enrolment.refresh_from_db()
    assert world_a.enrolment.status == "inscrit"


# Roles


def test_auditor_sees_no_edit_buttons(auditor: User, world_a: World) -> None:
    """Read-only: the pages show no way to change anything (every write URL answers 403
    to the auditor: tests/test_isolation.py)."""
    client = login(auditor)
    learner, enrolment = world_a.learner, world_a.enrolment
    for url in (
        "/apprenants/",
        f"/apprenants/{learner.pk}/",
        "/inscriptions/",
        f"/inscriptions/{enrolment.pk}/",
    ):
        page = client.get(url)
        assert page.status_code == 200 and "MartinA" in page.text
        for hidden in ("Modifier", "Nouv", "Inscrire à une session", "Démarrer la formation"):
            assert hidden not in page.text, (url, hidden)
    assert "Situation de handicap" in client.get(f"/apprenants/{learner.pk}/").text


# No N+1


def test_pages_do_not_grow_their_queries_with_rows(as_director: Client, world_a: World) -> None:
    org, learner, enrolment = world_a.org, world_a.learner, world_a.enrolment
    urls = (
        "/apprenants/",
        "/inscriptions/",
        f"/apprenants/{learner.pk}/",
        f"/inscriptions/{enrolment.pk}/",
        "/inscriptions/nouvelle/",
        f"/inscriptions/{enrolment.pk}/modifier/",
    )

    def grow(n: int) -> None:
        for _ in range(n):
            i = Session.objects.count()
            session = add_session(org, f"Session {i}")
            enrol(learner, session)
            enrol(add_learner(org, f"Nom{i}"), session)
            employer = learner_services.create_employer(org, acting_user=None, name=f"E{i}")
            learner_services.create_tutor(
                employer, acting_user=None, last_name=f"T{i}", first_name="Max"
            )

    grow(4)
    small = [count_queries(as_director, url) for url in urls]
    grow(26)
    large = [count_queries(as_director, url) for url in urls]
    assert small == large
