"""`parcours demo`: a realistic organisation, consistent with its dates, the same for the
same seed, and every printed login usable on the real login page."""

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.utils import timezone

from parcours.attendance.models import AttendanceMark
from parcours.core import journal
from parcours.core.models import JournalEntry, Membership, Organisation, Role, Site
from parcours.demo.builder import DEMO_PASSWORD, build_demo
from parcours.engagement.signals import compute_signals
from parcours.learners.models import (
    AdaptationMeasure,
    AdaptationSheet,
    Employer,
    Enrolment,
    Funder,
    Learner,
    Tutor,
)
from parcours.programmes.models import Programme, Session, Slot, Trainer

FIXED_TODAY = dt.date(2026, 3, 16)
DEMO_EMAILS = {
    Role.DIRECTION: "direction@demo.parcours.fr",
    Role.QUALITE: "qualite@demo.parcours.fr",
    Role.SUIVI: "suivi@demo.parcours.fr",
    Role.TUTEUR: "tuteur@demo.parcours.fr",
    Role.APPRENANT: "apprenant@demo.parcours.fr",
    Role.AUDITEUR: "auditeur@demo.parcours.fr",
}


@pytest.fixture(scope="class")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Organisation]:
    """One demo for a class of read-only tests, rolled back after the class."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo(learners=60, seed=4, today=FIXED_TODAY).organisation
        transaction.set_rollback(True)


@pytest.fixture
def demo(built: Organisation, db: None) -> Organisation:
    return built


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_one_login_per_role_and_each_one_works(db: None) -> None:
    output = run_demo("--learners", "25", "--seed", "2")
    assert f"mot de passe commun : {DEMO_PASSWORD}" in output
    for role, email in DEMO_EMAILS.items():
        line = next(line for line in output.splitlines() if email in line)
        assert str(Role(role).label) in line
    for role, email in DEMO_EMAILS.items():
        client = Client()
        response = client.post(
            "/connexion/", {"username": email, "password": DEMO_PASSWORD}, follow=True
        )
        home = "/tuteur/" if role == Role.TUTEUR else "/"
        assert response.redirect_chain[-1][0] == home, role
        assert response.status_code == 200, role
        assert "Atelier Formation Rhône-Alpes" in response.text
        if role in {Role.DIRECTION, Role.QUALITE, Role.SUIVI}:
            assert "Tableau de bord" in response.text, role


def test_a_second_run_refuses_and_if_empty_only_reprints_the_logins(db: None) -> None:
    run_demo("--learners", "10")
    entries = JournalEntry.objects.count()
    with pytest.raises(CommandError) as exc:
        run_demo("--learners", "10")
    assert "existe déjà" in str(exc.value) and "--if-empty" in str(exc.value)
    again = run_demo("--if-empty", "--learners", "500")
    assert "La démonstration existe déjà" in again
    assert all(email in again for email in DEMO_EMAILS.values())
    assert JournalEntry.objects.count() == entries
    assert Learner.objects.count() == 10
    with pytest.raises(CommandError):
        run_demo("--learners", "0")


class TestTheDemoContent:
    """Read-only checks on one demo (60 learners, seed 4, fixed date)."""

    def test_the_organisation_and_its_staff(self, demo: Organisation) -> None:
        assert demo.slug == "demo"
        assert len(demo.siret) == 14 and demo.siret.isdigit()
        assert len(demo.nda) == 11 and demo.nda.isdigit()
        assert sorted(Site.objects.filter(organisation=demo).values_list("city", flat=True)) == [
            "Grenoble",
            "Lyon",
        ]
        roles = Membership.objects.filter(organisation=demo).values_list("role", flat=True)
        assert sorted(roles) == sorted([*Role.values, Role.SUIVI])
        # Both chargés de suivi are trainers too.
        for membership in Membership.objects.filter(organisation=demo, role=Role.SUIVI):
            assert Trainer.objects.get(user=membership.user).organisation == demo
        auditor = Membership.objects.get(organisation=demo, role=Role.AUDITEUR)
        assert timezone.localdate(auditor.expires_at) == FIXED_TODAY + dt.timedelta(days=30)
        # The apprenant account is a learner on track; the tuteur account has apprentices.
        learner = Learner.objects.get(user__email=DEMO_EMAILS[Role.APPRENANT])
        assert learner.enrolments.filter(status="en_cours").exists()
        tutor = Tutor.objects.get(user__email=DEMO_EMAILS[Role.TUTEUR])
        assert tutor.enrolments.filter(session__category="APP").exists()

    def test_each_category_has_programmes_and_sessions_past_current_and_future(
        self, demo: Organisation
    ) -> None:
        for category in ["AF", "BC", "VAE", "APP"]:
            assert Programme.objects.filter(organisation=demo, category=category).count() >= 2
        for programme in Programme.objects.filter(organisation=demo):
            assert programme.duration_hours > 0 and programme.duration_days > 0
            assert bool(programme.certification_code) == programme.is_certifying
        assert Programme.objects.filter(is_certifying=True, certification_code__startswith="RNCP")
        sessions = list(Session.objects.filter(organisation=demo).prefetch_related("trainers"))
        periods = {s.period(FIXED_TODAY) for s in sessions}
        assert periods == {"past", "current", "future"}
        for category in ["AF", "APP"]:
            assert {s.period(FIXED_TODAY) for s in sessions if s.category == category} == periods
        for session in sessions:
            assert session.external_id and session.programme_id
            assert session.trainers.all()
            assert session.site_id or session.modality == "distanciel"
            slots = Slot.objects.filter(session=session)
            if session.period(FIXED_TODAY) == "future":
                assert not slots.exists()
            else:
                assert slots.exists()
                assert all(
                    session.start_date <= timezone.localdate(slot.starts_at) <= session.end_date
                    for slot in slots
                )

    def test_enrolments_follow_the_lifecycle_of_their_session(self, demo: Organisation) -> None:
        enrolments = list(
            Enrolment.objects.filter(organisation=demo).select_related(
                "session", "learner", "tutor"
            )
        )
        assert len(enrolments) >= 60
        for e in enrolments:
            period = e.session.period(FIXED_TODAY)
            assert e.enrolled_on <= FIXED_TODAY and e.funder_id
            if e.status in {"termine", "abandon"}:
                assert e.ended_on and e.enrolled_on <= e.ended_on <= FIXED_TODAY
            else:
                assert e.ended_on is None and not e.end_reason
            if e.status == "termine":
                assert period == "past" and e.ended_on == e.session.end_date
            if e.status == "en_cours":
                assert period == "current" and e.started_on == e.session.start_date
            if e.status == "inscrit":
                assert period == "future" and e.started_on is None
            if e.status == "abandon":
                assert e.end_reason
            if e.session.category == "APP":
                assert e.employer_id and e.tutor_id
                assert e.tutor.employer_id == e.employer_id == e.learner.employer_id
        dropouts = [e for e in enrolments if e.status == "abandon"]
        assert 0.05 <= len(dropouts) / len(enrolments) <= 0.25
        assert len({e.end_reason for e in dropouts}) >= 3
        learners = Learner.objects.filter(organisation=demo)
        assert 1 <= learners.filter(disability=True).count() <= 10
        assert learners.filter(employer__isnull=False).exists()
        kinds = set(Funder.objects.filter(organisation=demo).values_list("kind", flat=True))
        assert {"opco", "france_travail", "region", "cpf", "entreprise"} <= kinds

    def test_attendance_and_activity_give_the_procedure_learners_to_catch(
        self, demo: Organisation
    ) -> None:
        frame = compute_signals(demo, FIXED_TODAY)
        absences = [
            e for e in frame.enrolment_ids if frame.value(int(e), "consecutive_unexcused") >= 3
        ]
        inactive = [
            e for e in frame.enrolment_ids if frame.value(int(e), "days_since_activity") >= 14
        ]
        assert len(absences) == 4 and len(inactive) == 3
        assert not set(absences) & set(inactive)
        marks = AttendanceMark.objects.filter(organisation_id=demo.pk)
        assert marks.filter(status="present").count() > 0.8 * marks.count()
        assert marks.filter(status="excuse").exclude(justification_note="").exists()
        assert not marks.filter(status="excuse", justification_note="").exists()

    def test_learners_with_a_disability_have_an_adaptation_sheet_not_notes(
        self, demo: Organisation
    ) -> None:
        disabled = Learner.objects.filter(organisation=demo, disability=True)
        assert not disabled.exclude(notes="").exists()
        sheets = AdaptationSheet.objects.filter(organisation=demo)
        assert sheets.exists()
        assert set(sheets.values_list("enrolment__learner", flat=True)) <= set(
            disabled.values_list("pk", flat=True)
        )
        assert AdaptationMeasure.objects.filter(
            sheet__in=sheets, attested_at__isnull=False
        ).exists()

    def test_everything_went_through_the_journal(self, demo: Organisation) -> None:
        assert journal.verify().ok
        created = JournalEntry.objects.filter(organisation=demo, action="create")
        assert created.filter(object_type="learners.learner").count() == 60
        assert created.filter(object_type="learners.enrolment").count() == Enrolment.objects.count()
        assert JournalEntry.objects.filter(verb="enrolment.abandon").exists()


def canonical_dump(org: Organisation) -> dict[str, Any]:
    """The demo's records by natural keys (no primary keys, no creation times)."""

    def rows(queryset: Any, *fields: str) -> list[tuple[Any, ...]]:
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "organisation": (org.name, org.siret, org.nda),
        "sites": rows(Site.objects.filter(organisation=org), "name", "address", "city"),
        "members": rows(
            Membership.objects.filter(organisation=org),
            "user__email",
            "user__first_name",
            "user__last_name",
            "role",
            "expires_at",
        ),
        "programmes": rows(
            Programme.objects.filter(organisation=org),
            "code",
            "title",
            "category",
            "modality",
            "duration_hours",
            "duration_days",
            "certification_code",
        ),
        "trainers": rows(
            Trainer.objects.filter(organisation=org), "first_name", "last_name", "user__email"
        ),
        "sessions": rows(
            Session.objects.filter(organisation=org),
            "external_id",
            "title",
            "programme__code",
            "start_date",
            "end_date",
            "site__name",
            "capacity",
            "trainers__last_name",
        ),
        "slots": rows(
            Slot.objects.filter(organisation=org),
            "session__external_id",
            "starts_at",
            "ends_at",
            "trainer__last_name",
            "room",
        ),
        "funders": rows(Funder.objects.filter(organisation=org), "name", "kind"),
        "employers": rows(
            Employer.objects.filter(organisation=org), "name", "siret", "address", "city"
        ),
        "tutors": rows(
            Tutor.objects.filter(organisation=org),
            "employer__name",
            "first_name",
            "last_name",
            "job_title",
            "user__email",
        ),
        "learners": rows(
            Learner.objects.filter(organisation=org),
            "external_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "birth_date",
            "disability",
            "employer__name",
            "user__email",
        ),
        "enrolments": rows(
            Enrolment.objects.filter(organisation=org),
            "learner__external_id",
            "session__external_id",
            "enrolled_on",
            "status",
            "started_on",
            "ended_on",
            "end_reason",
            "funder__name",
            "employer__name",
            "tutor__last_name",
        ),
        "journal": JournalEntry.objects.filter(organisation=org).count(),
    }


def dump_of_a_build(**options: Any) -> dict[str, Any]:
    """Build the demo, dump it, and roll it back so that the next build starts afresh."""
    savepoint = transaction.savepoint()
    try:
        return canonical_dump(build_demo(**options).organisation)
    finally:
        transaction.savepoint_rollback(savepoint)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(db: None) -> None:
    first = dump_of_a_build(learners=25, seed=7, today=FIXED_TODAY)
    assert not Organisation.objects.filter(slug="demo").exists()
    assert dump_of_a_build(learners=25, seed=7, today=FIXED_TODAY) == first
    other = dump_of_a_build(learners=25, seed=8, today=FIXED_TODAY)
    assert other["learners"] != first["learners"]
    assert other["enrolments"] != first["enrolments"]
    assert len(first["learners"]) == 25
