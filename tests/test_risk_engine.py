"""The early-warning engine: no leakage, explanations, calibration, the command line."""

import datetime as dt
import json
import random
from io import StringIO
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from parcours.activity.models import ActivityEvent, Assessment, Result
from parcours.attendance.models import AttendanceMark
from parcours.core.models import JournalEntry, Organisation
from parcours.engagement import scoring
from parcours.engagement.models import RiskModel, RiskScore
from parcours.engagement.signals import compute_signals
from parcours.feedback.models import AttributedResponse
from parcours.followup.models import Call, CallOutcome, LiaisonSheet, TriggerKind
from parcours.followup.services import cases as case_services
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment, Learner
from parcours.messaging.models import Message, MessageStatus
from parcours.programmes.models import Session, Slot

PARIS = ZoneInfo("Europe/Paris")
AS_OF = dt.date(2026, 5, 6)


def session(
    org: Organisation, ext: str, start: dt.date, end: dt.date, modality="hybride"
) -> Session:
    return Session.objects.create(
        organisation=org,
        external_id=ext,
        title=f"Session {ext}",
        category="AF",
        modality=modality,
        start_date=start,
        end_date=end,
        duration_hours=100,
    )


def weekly_slots(s: Session) -> list[Slot]:
    slots, day = [], s.start_date
    while day <= s.end_date:
        slots.append(
            Slot.objects.create(
                organisation=s.organisation,
                session=s,
                starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=PARIS),
                ends_at=dt.datetime.combine(day, dt.time(12), tzinfo=PARIS),
            )
        )
        day += dt.timedelta(days=7)
    return slots


def learner(org: Organisation, ext: str) -> Learner:
    return Learner.objects.create(organisation=org, external_id=ext, last_name=f"Nom {ext}")


def enrol(org, s, ext, enrolled_on, status="en_cours", ended_on=None) -> Enrolment:
    return Enrolment.objects.create(
        organisation=org,
        learner=learner(org, ext),
        session=s,
        enrolled_on=enrolled_on,
        status=status,
        ended_on=ended_on,
    )


def facts(
    e: Enrolment, slots: list[Slot], assessments: list[Assessment], fade: dt.date | None, rng
):
    """Attendance, activity and results of one enrolment; after `fade`, they thin out."""
    marks, events, results = [], [], []
    for slot in slots:
        day = slot.starts_at.date()
        if day < e.enrolled_on or (e.ended_on and day >= e.ended_on):
            continue
        absent_odds = 0.75 if fade and day >= fade else 0.1
        status = (
            "absent" if rng.random() < absent_odds else rng.choice(["present"] * 5 + ["retard"])
        )
        marks.append(
            AttendanceMark(
                organisation=e.organisation, slot=slot, enrolment=e, status=status, method="import"
            )
        )
    day = e.enrolled_on
    while day <= (e.ended_on or e.session.end_date):
        if rng.random() < (0.15 if fade and day >= fade else 0.6):
            events.append(
                ActivityEvent(
                    organisation=e.organisation,
                    enrolment=e,
                    occurred_at=dt.datetime.combine(day, dt.time(), tzinfo=PARIS),
                    day=day,
                    kind="resource",
                    count=rng.randint(1, 9),
                )
            )
        day += dt.timedelta(days=1)
    for a in assessments:
        if a.due_date < e.enrolled_on or (e.ended_on and a.due_date >= e.ended_on):
            continue
        if fade and a.due_date >= fade and rng.random() < 0.7:
            continue
        late = rng.random() < 0.2
        results.append(
            Result(
                organisation=e.organisation,
                assessment=a,
                enrolment=e,
                submitted_on=a.due_date + dt.timedelta(days=3 if late else -1),
                score=rng.randint(30, 60) if fade else rng.randint(50, 95),
            )
        )
    AttendanceMark.objects.bulk_create(marks)
    ActivityEvent.objects.bulk_create(events)
    Result.objects.bulk_create(results)


def cohort(org, ext, start, end, n, rng, *, dropout_every=3, late_enrolments=0):
    """A session of n learners; one in `dropout_every` fades out then leaves."""
    s = session(org, ext, start, end)
    slots = weekly_slots(s)
    assessments = [
        Assessment.objects.create(
            organisation=org,
            session=s,
            external_id=f"{ext}-A{k}",
            title=f"Devoir {k}",
            due_date=start + dt.timedelta(days=14 + 21 * k),
            weight=20,
        )
        for k in range(4)
    ]
    span = (end - start).days
    for i in range(n):
        enrolled = start - dt.timedelta(days=5)
        if i < late_enrolments:
            enrolled = start + dt.timedelta(days=20 + i)
        fade = ended = None
        status = "termine"
        if i % dropout_every == 0:
            fade = start + dt.timedelta(days=rng.randint(span // 5, span // 2))
            ended = fade + dt.timedelta(days=rng.randint(14, 28))
            status = "abandon"
        else:
            ended = end
        e = enrol(org, s, f"{ext}-L{i:02d}", enrolled, status, ended)
        facts(e, slots, assessments, fade, rng)
    return s


def followup_facts(e: Enrolment, day: dt.date) -> None:
    """On `day`: a reminder e-mail sent, an unanswered call, and the tutor's alert."""
    moment = dt.datetime.combine(day, dt.time(11), tzinfo=PARIS)
    case = e.followup_cases.first() or case_services.open_case(
        e, trigger_kind=TriggerKind.MANUAL, acting_user=None, as_of=day
    )
    Message.objects.create(
        organisation=e.organisation,
        enrolment=e,
        from_email="suivi@forma.test",
        to="apprenant@exemple.fr",
        subject="Relance",
        body="Nous ne vous avons pas vu.",
        related_key=f"case-step:{day.isoformat()}",
        message_id=f"<{e.pk}.{day.isoformat()}@forma.test>",
        status=MessageStatus.ENVOYE,
        sent_at=moment,
    )
    Call.objects.create(
        organisation=e.organisation, case=case, called_at=moment, outcome=CallOutcome.NO_ANSWER
    )
    if e.tutor is None:
        employer = learner_services.create_employer(e.organisation, acting_user=None, name="SARL")
        tutor = learner_services.create_tutor(
            employer, acting_user=None, first_name="Paul", last_name="Tuteur"
        )
        learner_services.update_enrolment(e, acting_user=None, tutor=tutor, employer=employer)
        e.refresh_from_db()
    LiaisonSheet.objects.create(
        organisation=e.organisation,
        enrolment=e,
        tutor=e.tutor,
        company_attendance="assidu",
        attitude="insuffisant",
        skills_progress="-",
        alert=True,
        submitted_at=moment,
    )


@pytest.fixture
def history(org_a: Organisation):
    """A finished cohort to learn from, and a live one to score on AS_OF."""
    rng = random.Random(7)
    cohort(org_a, "PASSE", dt.date(2026, 1, 5), dt.date(2026, 3, 27), 45, rng)
    live = cohort(
        org_a, "COURANTE", dt.date(2026, 4, 6), dt.date(2026, 7, 3), 30, rng, late_enrolments=3
    )
    # Enrolled after AS_OF: not active on AS_OF, and nothing of it may count.
    enrol(org_a, live, "TARDIF", AS_OF + dt.timedelta(days=10))
    # The follow-up's reminders, calls and tutor alerts, before and after AS_OF.
    followed = Enrolment.objects.get(learner__external_id="COURANTE-L01")
    followup_facts(followed, AS_OF - dt.timedelta(days=20))
    followup_facts(followed, AS_OF + dt.timedelta(days=1))
    followup_facts(Enrolment.objects.get(learner__external_id="COURANTE-L02"), AS_OF)
    return live


def risk_json(*args: str) -> list[dict]:
    out = StringIO()
    call_command("risk", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def truncate_at(day: dt.date) -> None:
    """What the database held on `day`: later facts gone, later outcomes unknown."""
    cut = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=PARIS)
    AttendanceMark.objects.filter(slot__starts_at__gte=cut).delete()
    Slot.objects.filter(starts_at__gte=cut).delete()
    ActivityEvent.objects.filter(day__gt=day).delete()
    Result.objects.filter(submitted_on__gt=day).delete()
    Assessment.objects.filter(due_date__gt=day).delete()
    Message.objects.filter(sent_at__gte=cut).delete()
    Call.objects.filter(called_at__gte=cut).delete()
    LiaisonSheet.objects.filter(submitted_at__gte=cut).delete()
    AttributedResponse.objects.filter(day__gt=day).delete()  # (the check-in's answers)
    Enrolment.objects.filter(enrolled_on__gt=day).delete()
    Enrolment.objects.filter(ended_on__gt=day).update(
        status="en_cours", ended_on=None, end_reason=""
    )


def test_scoring_as_of_a_date_ignores_everything_after_it(history):
    out = StringIO()
    call_command("risk", "calibrate", "--until", "2026-04-01", stdout=out)
    assert "AUC en validation croisée" in out.getvalue()
    model = RiskModel.objects.get()
    assert model.version == 1 and model.metrics["enrolments"] == 45

    full = risk_json("--as-of", AS_OF.isoformat())
    # The rows are the enrolments active on AS_OF: the later enrolment is not one.
    active = set(Enrolment.objects.active_on(AS_OF).values_list("learner__external_id", flat=True))
    assert {r["learner_external_id"] for r in full} == active
    assert "TARDIF" not in active and "COURANTE-L01" in active and len(active) > 20
    assert any(r["level"] == "eleve" for r in full) and any(r["level"] == "faible" for r in full)
    assert any(r["reasons"] for r in full)
    # Later facts exist and would change the scores if they were read.
    assert risk_json("--as-of", (AS_OF + dt.timedelta(days=21)).isoformat()) != full
    assert Enrolment.objects.filter(ended_on__gt=AS_OF, status="abandon").exists()
    # The follow-up's facts of AS_OF count; those of the day after do not.
    frame = compute_signals(history.organisation, AS_OF)
    followed, other = (
        Enrolment.objects.get(learner__external_id=f"COURANTE-L0{i}").pk for i in (1, 2)
    )
    assert frame.value(followed, "contact_attempts") == 2
    assert frame.value(followed, "tutor_alerts") == frame.value(other, "tutor_alerts") == 1
    # The history had no follow-up: those signals keep their default weights.
    assert {"unanswered_contacts", "tutor_alerts"} <= set(model.metrics["default_signals"])
    assert model.coefficients["tutor_alerts"] == 1.5

    truncate_at(AS_OF)
    assert not ActivityEvent.objects.filter(day__gt=AS_OF).exists()
    truncated = risk_json("--as-of", AS_OF.isoformat())
    assert truncated == full


def test_three_consecutive_absences_are_the_reason(org_a):
    s = session(org_a, "S", dt.date(2026, 3, 2), dt.date(2026, 6, 26), modality="presentiel")
    slots = weekly_slots(s)[:5]  # 2, 9, 16, 23, 30 March
    absent = enrol(org_a, s, "ABS", dt.date(2026, 2, 20))
    steady = enrol(org_a, s, "OK", dt.date(2026, 2, 20))
    for i, slot in enumerate(slots):
        AttendanceMark.objects.create(
            organisation=org_a,
            slot=slot,
            enrolment=absent,
            method="import",
            status="present" if i < 2 else "absent",
        )
        AttendanceMark.objects.create(
            organisation=org_a, slot=slot, enrolment=steady, method="import", status="present"
        )
    rows = {r["learner_external_id"]: r for r in risk_json("--as-of", "2026-03-31")}
    assert (
        rows["ABS"]["reasons"][0]
        == "3 absences consécutives aux dernières séances (non justifiées)"
    )
    assert rows["ABS"]["level"] == "eleve"
    assert rows["OK"]["level"] == "faible" and rows["OK"]["reasons"] == []
    # No LMS in this session: no activity signal, for anyone.
    assert not any("activité" in reason for r in rows.values() for reason in r["reasons"])
    # The day before the third absence, there were two.
    rows = {r["learner_external_id"]: r for r in risk_json("--as-of", "2026-03-29")}
    assert rows["ABS"]["reasons"][0].startswith("2 absences consécutives")


def test_late_enrolments_do_not_owe_earlier_assessments(org_a):
    s = session(org_a, "S", dt.date(2026, 3, 2), dt.date(2026, 6, 26))
    for k, due in enumerate([dt.date(2026, 3, 10), dt.date(2026, 3, 24)]):
        Assessment.objects.create(
            organisation=org_a, session=s, external_id=f"A{k}", title=f"Devoir {k}", due_date=due
        )
    early = enrol(org_a, s, "EARLY", dt.date(2026, 3, 1))
    late = enrol(org_a, s, "LATE", dt.date(2026, 3, 20))
    frame = compute_signals(org_a, dt.date(2026, 4, 1))
    assert frame.value(early.pk, "missed_assessments") == 2
    assert frame.value(late.pk, "missed_assessments") == 1
    # Their own start: the late one has been there 12 days, the early one since the session began.
    assert frame.value(late.pk, "days_enrolled") == 12
    assert frame.value(early.pk, "days_enrolled") == 30


def test_calibration_versions_and_stored_scores_record_the_model(history, org_a):
    call_command("risk", "calibrate", "--until", "2026-04-01", stdout=StringIO())
    call_command("risk", "calibrate", "--until", "2026-04-01", stdout=StringIO())
    assert list(RiskModel.objects.values_list("version", "is_active")) == [(2, True), (1, False)]
    call_command("risk", "--as-of", AS_OF.isoformat(), "--store", stdout=StringIO())
    assert set(RiskScore.objects.values_list("model_version", flat=True)) == {2}
    active = Enrolment.objects.active_on(AS_OF).count()
    assert RiskScore.objects.filter(as_of=AS_OF).count() == active
    # The default weights (version 0) stay available for a replay.
    scored = scoring.score(org_a, AS_OF, model_version=0)
    assert scored.weights.version == 0 and len(scored.rows()) == active
    assert JournalEntry.objects.filter(verb="risk.calibrated").count() == 2
    assert JournalEntry.objects.filter(verb="risk.scored").count() == 1


def test_calibration_without_history_says_so(org_a):
    with pytest.raises(CommandError, match="Pas assez d'historique"):
        call_command("risk", "calibrate", "--until", "2026-04-01", stdout=StringIO())
    assert not RiskModel.objects.exists()


def test_bad_arguments_are_refused_in_french(world_a):
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("risk", "--as-of", "06/05/2026", stdout=StringIO())
    with pytest.raises(CommandError, match="Session inconnue"):
        call_command("risk", "--as-of", "2026-05-06", "--session", "NOPE", stdout=StringIO())


def test_owed_work_and_group_medians_are_counted_per_session(org_a):
    """Several sessions at once: each learner owes their own session's assessments from
    their own start, and is compared with their own session's median mark."""
    first = session(org_a, "S1", dt.date(2026, 3, 2), dt.date(2026, 6, 26))
    second = session(org_a, "S2", dt.date(2026, 3, 9), dt.date(2026, 6, 26))
    empty = session(org_a, "S3", dt.date(2026, 3, 2), dt.date(2026, 6, 26))
    dues = {first: ["2026-03-10", "2026-03-20", "2026-03-30"], second: ["2026-03-25"]}
    assessments = {
        s: [
            Assessment.objects.create(
                organisation=org_a,
                session=s,
                external_id=f"{s.external_id}-{k}",
                title=f"Devoir {k}",
                due_date=dt.date.fromisoformat(day),
            )
            for k, day in enumerate(days)
        ]
        for s, days in dues.items()
    }
    learners = {
        "A": enrol(org_a, first, "A", dt.date(2026, 3, 1)),
        "B": enrol(org_a, first, "B", dt.date(2026, 3, 15)),
        "C": enrol(org_a, first, "C", dt.date(2026, 3, 1)),
        "D": enrol(org_a, second, "D", dt.date(2026, 3, 1)),
        "E": enrol(org_a, second, "E", dt.date(2026, 3, 1)),
        "F": enrol(org_a, empty, "F", dt.date(2026, 3, 1)),
    }
    marks = {"A": [80, 60], "B": [None, 50], "C": [40], "D": [90], "E": [70]}
    for who, scores in marks.items():
        e = learners[who]
        for a, score in zip(assessments[e.session], scores, strict=False):
            if score is None:
                continue
            Result.objects.create(
                organisation=org_a, assessment=a, enrolment=e, submitted_on=a.due_date, score=score
            )
    frame = compute_signals(org_a, dt.date(2026, 4, 1))

    def value(who: str, column: str) -> float:
        return frame.value(learners[who].pk, column)

    # Owed: three in S1 from 1 March, two from B's start on the 15th, one in S2.
    assert [value(w, "assessments_due") for w in "ABCDE"] == [3, 2, 3, 1, 1]
    assert [value(w, "missed_assessments") for w in "ABCDE"] == [1, 1, 2, 0, 0]
    assert value("A", "latest_due") == dt.date(2026, 3, 30).toordinal()
    # S3 has no assessment: nothing is owed there (not applicable).
    assert np.isnan(value("F", "assessments_due"))
    # Medians of the learners' mean marks, per session: S1 (70, 50, 40) → 50; S2 (90, 70) → 80.
    assert [value(w, "cohort_mean_score") for w in "ABCDE"] == [50, 50, 50, 80, 80]
    assert np.isnan(value("F", "cohort_mean_score"))
