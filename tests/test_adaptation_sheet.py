"""Disability (PSH) adaptation sheets: who sees what, the attestation of each measure, and
a journal that proves the measures without carrying health information."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from parcours.core import journal
from parcours.core.models import JournalEntry, Organisation, Role, User
from parcours.learners import services
from parcours.learners.models import AdaptationMeasure, AdaptationSheet, Learner
from parcours.programmes import services as programme_services
from tests.conftest import PASSWORD, World, _member, login

NEEDS = "Dyslexie sévère diagnostiquée, fatigue visuelle après deux heures de lecture."
MEASURE = "Supports en police Arial 14, tiers-temps aux évaluations écrites."
NOTE = "Supports remis en police adaptée dès la séance du 3 mars ; tiers-temps appliqué."


@pytest.fixture
def sheet(world_a: World, director: User, officer: User) -> AdaptationSheet:
    """Camille declared a disability; her sheet names the chargé de suivi as référent."""
    services.update_learner(world_a.learner, acting_user=director, disability=True)
    created = services.create_adaptation_sheet(
        world_a.enrolment,
        acting_user=director,
        needs=NEEDS,
        need_categories=["cognitif", "visuel"],
        referent=officer,
        next_review_on=dt.date(2026, 4, 1),
        consent_on=dt.date(2026, 2, 25),
    )
    services.add_measure(
        created,
        acting_user=director,
        kind="pedagogique",
        description=MEASURE,
        responsible=officer,
        due_on=dt.date(2026, 3, 3),
    )
    return created


def _get(client: Client, url: str) -> Any:
    return client.get(url)


class TestWhoSeesTheSheet:
    def test_direction_quality_and_the_referent_see_the_needs(
        self, sheet: AdaptationSheet, as_director: Client, quality: User, as_officer: Client
    ) -> None:
        url = f"/adaptations/{sheet.pk}/"
        for client in (as_director, login(quality), as_officer):
            response = client.get(url)
            assert response.status_code == 200
            assert NEEDS in response.text and MEASURE in response.text
            assert "Cognitif / troubles dys" in response.text

    def test_the_auditor_sees_measures_and_attestations_but_not_the_needs(
        self, sheet: AdaptationSheet, auditor: User, officer: User
    ) -> None:
        measure = sheet.measures.get()
        services.attest_measure(measure, acting_user=officer, note=NOTE)
        client = login(auditor)
        detail = client.get(f"/adaptations/{sheet.pk}/")
        assert detail.status_code == 200
        assert MEASURE in detail.text and NOTE in detail.text and "attestée" in detail.text
        assert NEEDS not in detail.text and "Cognitif" not in detail.text
        listing = client.get("/adaptations/")
        assert listing.status_code == 200
        assert "1 / 1" in listing.text and NEEDS not in listing.text
        # The auditor reads, never writes.
        assert client.get(f"/adaptations/{sheet.pk}/modifier/").status_code == 403
        assert client.post(f"/adaptations/mesures/{measure.pk}/attester/").status_code == 403

    def test_a_suivi_who_does_not_follow_the_learner_does_not_reach_it(
        self, sheet: AdaptationSheet, org_a: Organisation, world_a: World, director: User
    ) -> None:
        other = _member(org_a, Role.SUIVI, "autre.suivi@forma.test")
        client = login(other)
        assert client.get(f"/adaptations/{sheet.pk}/").status_code == 404
        assert NEEDS not in client.get("/adaptations/").text
        assert client.get(f"/apprenants/{world_a.learner.pk}/").status_code == 200
        # Once a trainer of the session, they follow the learner and see the sheet.
        trainer = programme_services.create_trainer(
            org_a, acting_user=director, user=other, first_name="Autre", last_name="Suivi"
        )
        programme_services.update_session(world_a.session, acting_user=director, trainers=[trainer])
        assert NEEDS in client.get(f"/adaptations/{sheet.pk}/").text

    def test_tutor_learners_and_the_other_organisation_are_refused(
        self,
        sheet: AdaptationSheet,
        tutor_user: User,
        learner_user: User,
        as_outsider: Client,
    ) -> None:
        measure = sheet.measures.get()
        urls = [
            "/adaptations/",
            f"/adaptations/{sheet.pk}/",
            f"/adaptations/{sheet.pk}/modifier/",
            f"/adaptations/mesures/{measure.pk}/attester/",
            f"/inscriptions/{sheet.enrolment_id}/adaptation/",
        ]
        for user in (tutor_user, learner_user):
            client = login(user)
            for url in urls:
                response = client.get(url)
                assert response.status_code == 403, (user.email, url)
                assert NEEDS not in response.text
        for url in urls[1:]:
            response = as_outsider.get(url)
            assert response.status_code == 404, url
            assert NEEDS not in response.text
        assert as_outsider.post(f"/adaptations/mesures/{measure.pk}/attester/", {"note": "x"})
        measure.refresh_from_db()
        assert not measure.is_attested
        assert NEEDS not in as_outsider.get("/adaptations/").text

    def test_the_learner_reads_their_own_sheet_in_their_portal_only(
        self, sheet: AdaptationSheet, world_a: World, director: User, learner_user: User
    ) -> None:
        services.update_learner(world_a.learner, acting_user=director, user=learner_user)
        client = login(learner_user)
        home = client.get("/mon-espace/")
        assert "/mon-espace/adaptations/" in home.text
        page = client.get("/mon-espace/adaptations/")
        assert page.status_code == 200
        assert NEEDS in page.text and MEASURE in page.text
        assert "Attester" not in page.text and "Modifier" not in page.text
        # Another learner of the organisation sees nothing of it.
        other_user = _member(world_a.org, Role.APPRENANT, "autre.apprenant@forma.test")
        services.create_learner(
            world_a.org, acting_user=director, last_name="Autre", user=other_user
        )
        other = login(other_user).get("/mon-espace/adaptations/")
        assert other.status_code == 200
        assert NEEDS not in other.text and MEASURE not in other.text


class TestWritingTheSheet:
    def test_open_add_a_measure_and_attest_it_through_the_pages(
        self, world_a: World, director: User, officer: User, as_officer: Client
    ) -> None:
        services.update_learner(world_a.learner, acting_user=director, disability=True)
        # The chargé de suivi trains the session: they may open the sheet.
        trainer = programme_services.create_trainer(
            world_a.org, acting_user=director, user=officer, first_name="Sophie", last_name="L"
        )
        programme_services.update_session(world_a.session, acting_user=director, trainers=[trainer])
        enrolment_page = as_officer.get(f"/inscriptions/{world_a.enrolment.pk}/")
        assert f"/inscriptions/{world_a.enrolment.pk}/adaptation/" in enrolment_page.text
        response = as_officer.post(
            f"/inscriptions/{world_a.enrolment.pk}/adaptation/",
            {
                "needs": NEEDS,
                "need_categories": ["cognitif"],
                "referent": officer.pk,
                "next_review_on": "2026-04-01",
                "consent_on": "2026-02-25",
            },
        )
        sheet = AdaptationSheet.objects.get(enrolment=world_a.enrolment)
        assert response.status_code == 302 and response["Location"] == f"/adaptations/{sheet.pk}/"
        assert sheet.need_categories == ["cognitif"] and sheet.referent == officer
        response = as_officer.post(
            f"/adaptations/{sheet.pk}/mesures/nouvelle/",
            {
                "kind": "technique",
                "description": MEASURE,
                "responsible": officer.pk,
                "due_on": "2026-03-03",
            },
        )
        assert response.status_code == 302
        measure = sheet.measures.get()
        # An attestation needs a note.
        refused = as_officer.post(f"/adaptations/mesures/{measure.pk}/attester/", {"note": " "})
        assert refused.status_code == 200
        measure.refresh_from_db()
        assert not measure.is_attested
        as_officer.post(f"/adaptations/mesures/{measure.pk}/attester/", {"note": NOTE})
        measure.refresh_from_db()
        assert measure.is_attested and measure.attested_by == officer
        assert measure.attestation_note == NOTE
        assert "Chargé de suivi" in measure.attested_by_label
        # Attested, it is evidence: neither attested again nor edited.
        with pytest.raises(ValidationError):
            services.attest_measure(measure, acting_user=director, note="encore")
        with pytest.raises(ValidationError):
            services.update_measure(measure, acting_user=director, description="autre")
        assert as_officer.get(f"/adaptations/mesures/{measure.pk}/modifier/").status_code == 200
        edited = as_officer.post(
            f"/adaptations/mesures/{measure.pk}/modifier/",
            {"kind": "technique", "description": "autre", "responsible": officer.pk},
        )
        assert edited.status_code == 200
        measure.refresh_from_db()
        assert measure.description == MEASURE

    def test_a_sheet_is_for_a_declared_disability_and_a_staff_referent(
        self, world_a: World, director: User, tutor_user: User, officer: User
    ) -> None:
        with pytest.raises(ValidationError):
            services.create_adaptation_sheet(
                world_a.enrolment, acting_user=director, referent=officer
            )
        services.update_learner(world_a.learner, acting_user=director, disability=True)
        with pytest.raises(ValidationError):
            services.create_adaptation_sheet(
                world_a.enrolment, acting_user=director, referent=tutor_user
            )
        with pytest.raises(ValidationError):
            services.create_adaptation_sheet(
                world_a.enrolment, acting_user=director, referent=officer, need_categories=["x"]
            )
        sheet = services.create_adaptation_sheet(
            world_a.enrolment, acting_user=director, referent=officer
        )
        with pytest.raises(ValidationError):
            services.add_measure(
                sheet,
                acting_user=director,
                kind="technique",
                description="d",
                responsible=tutor_user,
            )

    def test_the_other_organisation_staff_cannot_be_named(
        self, world_a: World, director: User, outsider: User
    ) -> None:
        services.update_learner(world_a.learner, acting_user=director, disability=True)
        with pytest.raises(ValidationError):
            services.create_adaptation_sheet(
                world_a.enrolment, acting_user=director, referent=outsider
            )

    def test_reviews_due_are_listed(
        self, sheet: AdaptationSheet, as_director: Client, world_a: World
    ) -> None:
        services.update_adaptation_sheet(
            sheet, acting_user=None, next_review_on=dt.date(2020, 1, 1)
        )
        listing = as_director.get("/adaptations/?due=oui")
        assert world_a.learner.last_name in listing.text and "à revoir" in listing.text
        learner_page = as_director.get(f"/apprenants/{world_a.learner.pk}/")
        assert "revue à faire" in learner_page.text
        services.update_adaptation_sheet(
            sheet, acting_user=None, next_review_on=dt.date(2999, 1, 1)
        )
        assert world_a.learner.last_name not in as_director.get("/adaptations/?due=oui").text


def test_the_journal_records_every_write_without_health_details(
    sheet: AdaptationSheet, director: User, officer: User
) -> None:
    measure = sheet.measures.get()
    services.update_adaptation_sheet(
        sheet,
        acting_user=director,
        needs=NEEDS + " Mise à jour.",
        need_categories=["cognitif", "visuel", "psychique"],
    )
    services.attest_measure(measure, acting_user=officer, note=NOTE)
    entries = JournalEntry.objects.filter(
        object_type__in=["learners.adaptationsheet", "learners.adaptationmeasure"]
    )
    verbs = list(entries.order_by("seq").values_list("verb", flat=True))
    assert verbs == [
        "adaptation.sheet_created",
        "adaptation.measure_added",
        "adaptation.sheet_updated",
        "adaptation.measure_attested",
    ]
    attested = entries.get(verb="adaptation.measure_attested")
    assert attested.actor == officer
    assert attested.changes["attestation_note"] == ["", "(confidentiel)"]
    assert attested.changes["attested_by_id"] == [None, officer.pk]
    every_text = " ".join(
        f"{e.object_repr} {e.changes}"
        for e in JournalEntry.objects.filter(organisation=sheet.organisation)
    )
    for secret in (NEEDS, "Dyslexie", MEASURE, NOTE, "cognitif", "psychique"):
        assert secret not in every_text
    assert journal.verify().ok


def test_the_list_page_reads_in_a_fixed_number_of_queries(
    sheet: AdaptationSheet,
    as_director: Client,
    world_a: World,
    director: User,
    officer: User,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(5):
        learner = services.create_learner(
            world_a.org, acting_user=director, last_name=f"Extra{n}", disability=True
        )
        enrolment = services.enrol(
            learner, world_a.session, acting_user=director, enrolled_on=dt.date(2026, 2, 1)
        )
        services.create_adaptation_sheet(enrolment, acting_user=director, referent=officer)
    as_director.get("/adaptations/")  # warm the membership and session caches
    with django_assert_max_num_queries(12):
        response = as_director.get("/adaptations/")
    assert response.text.count("/adaptations/") >= 6
    assert Learner.objects.filter(disability=True).count() == 6
    assert AdaptationMeasure.objects.count() == 1
    assert PASSWORD
