"""Indicator 12: the measures that foster engagement and prevent dropouts, carried out and
documented for each sampled learner.

Rules (each a `Gap` when the records do not show it):
- I12-DECLENCHEUR: a trigger of the procedure in force fired while the session ran (on
  `as_of`, or on a past day read from the nightly snapshots, from the day a procedure was
  first in force) and no follow-up case was opened (nor joined) for that episode within
  the procedure's delay (until its first step is due, at least a day);
- I12-ETAPE: a mandatory step of a case was still to do after its deadline;
- I12-COMPTE-RENDU: a step counted as done whose meeting has no report;
- I12-RELANCE: a reminder step (e-mail, call) done with no trace of the reminder;
- I12-ABANDON-FICHE, I12-ABANDON-CAUSE, I12-ABANDON-ACTIONS: a dropout with no dropout
  record, with no known cause, or (after the training started) with no action tried;
- I12-EMARGEMENT: a séance whose attendance sheet was taken without this learner;
- I12-ADAPTATION: an adaptation measure never attested by the end of the training;
- I12-VSS (V10): no published procedure against violence, harassment, discrimination.

Indicator 12 concerns services longer than two days (the framework says which).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from parcours.attendance.models import AttendanceMark
from parcours.audit import framework
from parcours.audit.checks import PARIS, Gap, Scope, framework_category, learner_gap
from parcours.engagement.models import RiskScore
from parcours.followup import selectors as followup_selectors
from parcours.followup.defaults import DEFAULT_PROCEDURE
from parcours.followup.models import (
    AUTOMATIC_KINDS,
    REPORTED_ACTIONS,
    Action,
    Call,
    CaseSignal,
    CaseStep,
    Dropout,
    DropoutReason,
    FollowupCase,
    Meeting,
    MeetingKind,
    MeetingStatus,
    ProcedureVersion,
    StepStatus,
    Trigger,
    VersionStatus,
)
from parcours.learners.models import AdaptationMeasure, Enrolment, EnrolmentStatus
from parcours.messaging.models import Message
from parcours.programmes.models import Session, Slot
from parcours.safeguarding.models import PreventionProcedure

NUMBER = 12


def session_days(session: Session) -> Decimal:
    if session.programme is not None:
        return Decimal(session.programme.duration_days)
    return Decimal((session.end_date - session.start_date).days + 1)


def applies(session: Session) -> bool:
    version = framework.version_for_session(session)
    return version.indicator(NUMBER).applies(
        framework_category(session.category), session_days(session)
    )


def check(scope: Scope) -> Iterable[Gap]:
    enrolments = [e for e in scope.enrolments() if applies(e.session)]
    by_id = {e.pk: e for e in enrolments}
    yield from _triggers(scope, by_id)
    yield from _steps(scope, by_id)
    yield from _dropouts(scope, enrolments)
    yield from _attendance(scope, enrolments)
    yield from _adaptations(scope, by_id)
    yield from _safeguarding(scope)


# Triggers that fired with no case -----------------------------------------------------


def _version_in_force(scope: Scope, moment: dt.datetime) -> ProcedureVersion | None:
    return (
        ProcedureVersion.objects.filter(
            organisation=scope.organisation,
            validated_at__lt=moment,
        )
        .exclude(status=VersionStatus.DRAFT)
        .filter(Q(archived_at__isnull=True) | Q(archived_at__gte=moment))
        .order_by("-number")
        .first()
    )


def procedure_triggers(scope: Scope) -> list[Trigger]:
    """The automatic triggers of the procedure in force on `as_of`; before any was
    published, those of the default procedure Parcours applies."""
    version = _version_in_force(scope, scope.cutoff)
    if version is not None:
        return [t for t in version.triggers.all() if t.kind in AUTOMATIC_KINDS]
    return [
        Trigger(
            organisation=scope.organisation,
            order=n,
            kind=spec["kind"],
            threshold=spec.get("threshold"),
            risk_level=spec.get("risk_level", ""),
        )
        for n, spec in enumerate(DEFAULT_PROCEDURE, start=1)
        if spec["kind"] in AUTOMATIC_KINDS
    ]


def opening_delay(trigger: Trigger) -> int:
    """The days the procedure gives to open the case once a trigger fires: until its first
    planned step is due (at least the next nightly pass, one day)."""
    if trigger.pk is not None:
        delays = [s.due_after_days for s in trigger.steps.all()]
    else:
        spec = next((d for d in DEFAULT_PROCEDURE if d["kind"] == trigger.kind), {})
        delays = [s["due_after_days"] for s in spec.get("steps", [])]
    return max(1, min(delays, default=1))


def _past_days(scope: Scope, enrolments: dict[int, Enrolment]) -> list[dt.date]:
    """The past days of the sessions (up to the day before `as_of`) whose nightly snapshot
    was stored by `as_of`, from the day a follow-up procedure was first in force."""
    first = (
        ProcedureVersion.objects.filter(
            organisation=scope.organisation, validated_at__lt=scope.cutoff
        )
        .exclude(status=VersionStatus.DRAFT)
        .order_by("validated_at")
        .values_list("validated_at", flat=True)
        .first()
    )
    if first is None:
        return []
    since = max(scope.local_day(first), min(e.session.start_date for e in enrolments.values()))
    return sorted(
        set(
            RiskScore.objects.filter(
                organisation=scope.organisation,
                enrolment_id__in=list(enrolments),
                as_of__gte=since,
                as_of__lt=scope.as_of,
                computed_at__lt=scope.cutoff,
            ).values_list("as_of", flat=True)
        )
    )


def _episodes(
    scope: Scope, enrolments: dict[int, Enrolment]
) -> dict[tuple[int, str, str], tuple[dt.date, followup_selectors.Detection, bool]]:
    """Each episode of a trigger that fired for a sampled learner while their session ran,
    up to `as_of`: its first day, its (most severe) detection that day, and whether it
    still fires on `as_of`. Past days are read from the nightly snapshots, each with the
    triggers of the procedure in force that day."""
    found: dict[tuple[int, str, str], tuple[dt.date, followup_selectors.Detection, bool]] = {}

    def add(day: dt.date, detected: dict[int, list[followup_selectors.Detection]]) -> None:
        for enrolment_id, detections in detected.items():
            enrolment = enrolments.get(enrolment_id)
            if enrolment is None or not (
                enrolment.session.start_date <= day <= enrolment.session.end_date
            ):
                continue
            for d in detections:
                key = (enrolment_id, str(d.trigger.kind), d.episode_key)
                if key not in found:
                    found[key] = (day, d, day == scope.as_of)
                elif day == scope.as_of:
                    found[key] = (found[key][0], found[key][1], True)

    for day in _past_days(scope, enrolments):
        moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)
        version = _version_in_force(scope, moment)
        if version is None:
            continue
        triggers = [t for t in version.triggers.all() if t.kind in AUTOMATIC_KINDS]
        if triggers:
            add(
                day,
                followup_selectors.detect(
                    scope.organisation, day, triggers, recorded_before=scope.cutoff
                ),
            )
    triggers = procedure_triggers(scope)
    if triggers:
        add(
            scope.as_of,
            followup_selectors.detect(
                scope.organisation, scope.as_of, triggers, recorded_before=scope.cutoff
            ),
        )
    return found


def _triggers(scope: Scope, enrolments: dict[int, Enrolment]) -> Iterable[Gap]:
    """A trigger that fired while the session ran, with no case opened (or joined) for its
    episode within the procedure's delay; on `as_of`, one still firing with no case."""
    if not enrolments:
        return
    episodes = _episodes(scope, enrolments)
    if not episodes:
        return
    wanted = list({e for e, _k, _ep in episodes})
    # When each episode got its case (opened or joined), and the cases' open spans.
    handled: dict[tuple[int, str, str], dt.date] = {}
    spans: dict[tuple[int, str], list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for enrolment_id, kind, episode, opened_at, closed_at in FollowupCase.objects.filter(
        enrolment_id__in=wanted, opened_at__lt=scope.cutoff
    ).values_list("enrolment_id", "trigger_kind", "episode_key", "opened_at", "closed_at"):
        opened_on = scope.local_day(opened_at)
        key = (enrolment_id, kind, episode)
        handled[key] = min(opened_on, handled.get(key, opened_on))
        closed = (
            scope.local_day(closed_at)
            if closed_at is not None and closed_at < scope.cutoff
            else None
        )
        spans[(enrolment_id, kind)].append((opened_on, closed))
    for enrolment_id, kind, episode, recorded_at in CaseSignal.objects.filter(
        enrolment_id__in=wanted, recorded_at__lt=scope.cutoff
    ).values_list("enrolment_id", "trigger_kind", "episode_key", "recorded_at"):
        day = scope.local_day(recorded_at)
        key = (enrolment_id, kind, episode)
        handled[key] = min(day, handled.get(key, day))
    text = _("Déclencheur de la procédure survenu sans dossier de suivi ouvert")
    late_text = _("%(reason)s — dossier ouvert le %(day)s seulement (délai : %(n)d jours)")
    flagged: set[tuple[int, dt.date]] = set()
    for key, (first, d, now) in sorted(episodes.items(), key=lambda i: (i[0][0], i[1][0])):
        enrolment_id, kind, episode = key
        deadline = first + dt.timedelta(days=opening_delay(d.trigger))
        opened: dt.date | None = handled.get(key)
        if opened is not None and opened <= deadline:
            continue
        if any(
            start <= deadline and (end is None or end >= first)
            for start, end in spans[(enrolment_id, kind)]
        ):
            continue  # a case of that kind was open then: the episode belonged to it
        if deadline >= scope.as_of and not (now and opened is None):
            continue  # still within the procedure's delay
        if (enrolment_id, first) in flagged:
            continue  # one gap per learner and night: the most severe trigger
        flagged.add((enrolment_id, first))
        enrolment = enrolments[enrolment_id]
        detail = d.reason
        if opened is not None:
            detail = late_text % {
                "reason": d.reason,
                "day": opened.strftime("%d/%m/%Y"),
                "n": (deadline - first).days,
            }
        yield learner_gap(
            enrolment,
            indicator=NUMBER,
            rule="I12-DECLENCHEUR",
            text=text,
            record=enrolment,
            url=reverse("followup:enrolment_followup", args=[enrolment.pk]),
            detail=detail,
        )


# Case steps ----------------------------------------------------------------------------


def _steps(scope: Scope, enrolments: dict[int, Enrolment]) -> Iterable[Gap]:
    steps = list(
        CaseStep.objects.filter(
            case__enrolment_id__in=list(enrolments), case__opened_at__lt=scope.cutoff
        )
        .exclude(status=StepStatus.CANCELLED)
        .select_related("case")
        .order_by("case_id", "order", "pk")
    )
    done = [s for s in steps if s.done_at is not None and s.done_at < scope.cutoff]
    reported = set(
        Meeting.objects.filter(
            step__in=done,
            status=MeetingStatus.HELD,
            report_written_at__lt=scope.cutoff,
        ).values_list("step_id", flat=True)
    ) | _held_by_kind(scope, done)
    called = set(
        Call.objects.filter(step__in=done, created_at__lt=scope.cutoff).values_list(
            "step_id", flat=True
        )
    )
    sent = set(
        Message.objects.filter(
            organisation=scope.organisation,
            related_key__in=[s.related_key for s in done if s.action == Action.EMAIL],
            created_at__lt=scope.cutoff,
        ).values_list("related_key", flat=True)
    )
    late = _("Étape prévue par la procédure non réalisée à son échéance")
    unreported = _("Rendez-vous compté comme fait sans compte rendu")
    untraced = _("Relance comptée comme faite sans trace de la relance")
    for step in steps:
        enrolment = enrolments[step.case.enrolment_id]
        url = step.case.get_absolute_url()
        is_done = step in done
        if not is_done and step.mandatory and step.due_on < scope.as_of:
            yield learner_gap(
                enrolment,
                indicator=NUMBER,
                rule="I12-ETAPE",
                text=late,
                record=step,
                url=url,
                detail=_("%(label)s (échéance le %(day)s)")
                % {"label": step.label, "day": step.due_on.strftime("%d/%m/%Y")},
            )
        elif is_done and step.action in REPORTED_ACTIONS and step.pk not in reported:
            yield learner_gap(
                enrolment,
                indicator=NUMBER,
                rule="I12-COMPTE-RENDU",
                text=unreported,
                record=step,
                url=url,
                detail=step.label,
            )
        elif is_done and (
            (step.action == Action.EMAIL and step.related_key not in sent)
            or (step.action == Action.CALL and step.pk not in called and not step.note.strip())
        ):
            yield learner_gap(
                enrolment,
                indicator=NUMBER,
                rule="I12-RELANCE",
                text=untraced,
                record=step,
                url=url,
                detail=step.label,
            )


def _held_by_kind(scope: Scope, done: list[CaseStep]) -> set[int]:
    """Reported steps whose held meeting is not linked to the step but is on its case
    (the step counts as done once a meeting of its kind is held, see `complete_step`)."""
    from parcours.followup.models import MEETING_ACTIONS

    wanted = [s for s in done if s.action in REPORTED_ACTIONS]
    if not wanted:
        return set()
    held: dict[int, set[str]] = defaultdict(set)
    for case_id, kind in Meeting.objects.filter(
        case_id__in={s.case_id for s in wanted},
        status=MeetingStatus.HELD,
        report_written_at__lt=scope.cutoff,
    ).values_list("case_id", "kind"):
        held[case_id].add(str(MEETING_ACTIONS.get(MeetingKind(kind), "")))
    return {s.pk for s in wanted if s.action in held[s.case_id]}


# Dropouts ------------------------------------------------------------------------------


def _dropouts(scope: Scope, enrolments: list[Enrolment]) -> Iterable[Gap]:
    dropped = [
        e
        for e in enrolments
        if e.status == EnrolmentStatus.ABANDON and e.ended_on and e.ended_on <= scope.as_of
    ]
    if not dropped:
        return
    records = {
        d.enrolment_id: d
        for d in Dropout.objects.filter(
            enrolment__in=dropped, recorded_at__lt=scope.cutoff
        ).select_related("enrolment")
    }
    with_case = set(
        FollowupCase.objects.filter(enrolment__in=dropped, opened_at__lt=scope.cutoff).values_list(
            "enrolment_id", flat=True
        )
    )
    for enrolment in dropped:
        record = records.get(enrolment.pk)
        url = reverse("followup:enrolment_followup", args=[enrolment.pk])
        if record is None:
            yield learner_gap(
                enrolment,
                indicator=NUMBER,
                rule="I12-ABANDON-FICHE",
                text=_("Abandon sans fiche d'abandon : cause et actions menées non enregistrées"),
                record=enrolment,
                url=url,
                detail=enrolment.end_reason,
            )
            continue
        if record.reason in (DropoutReason.UNKNOWN, ""):
            yield learner_gap(
                enrolment,
                indicator=NUMBER,
                rule="I12-ABANDON-CAUSE",
                text=_("Abandon enregistré sans cause connue"),
                record=record,
                url=url,
            )
        started = enrolment.started_on is not None and enrolment.started_on < record.on
        if started and not record.actions_before.strip() and enrolment.pk not in with_case:
            yield learner_gap(
                enrolment,
                indicator=NUMBER,
                rule="I12-ABANDON-ACTIONS",
                text=_("Abandon sans action de prévention menée auparavant"),
                record=record,
                url=url,
            )


# Attendance sheets ---------------------------------------------------------------------


def _attendance(scope: Scope, enrolments: list[Enrolment]) -> Iterable[Gap]:
    """A séance's sheet taken (some presence recorded by `as_of`) without this learner,
    who was enrolled and in training that day."""
    if not enrolments:
        return
    slots = list(
        Slot.objects.filter(
            session_id__in={e.session_id for e in enrolments}, ends_at__lt=scope.cutoff
        ).values_list("pk", "session_id", "starts_at")
    )
    marks = AttendanceMark.objects.filter(
        slot_id__in=[pk for pk, *_rest in slots], created_at__lt=scope.cutoff
    ).values_list("slot_id", "enrolment_id")
    taken: set[int] = set()
    marked: set[tuple[int, int]] = set()
    for slot_id, enrolment_id in marks:
        taken.add(slot_id)
        marked.add((slot_id, enrolment_id))
    by_session: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for pk, session_id, starts_at in slots:
        if pk in taken:
            by_session[session_id].append((pk, scope.local_day(starts_at)))
    text = _("Feuille d'émargement d'une séance sans la présence de l'apprenant relevée")
    for enrolment in enrolments:
        start = enrolment.started_on or enrolment.enrolled_on
        missing = [
            day
            for pk, day in by_session[enrolment.session_id]
            if start <= day
            and (enrolment.ended_on is None or day < enrolment.ended_on)
            and (pk, enrolment.pk) not in marked
        ]
        if missing:
            yield learner_gap(
                enrolment,
                indicator=NUMBER,
                rule="I12-EMARGEMENT",
                text=text,
                record=enrolment,
                url=enrolment.get_absolute_url(),
                detail=", ".join(sorted({d.strftime("%d/%m/%Y") for d in missing})),
            )


# Adaptations ---------------------------------------------------------------------------


def _adaptations(scope: Scope, enrolments: dict[int, Enrolment]) -> Iterable[Gap]:
    """A measure agreed for a learner in situation of disability, not attested by the end
    of their training (while it runs, a measure may still be in preparation)."""
    ended = {
        pk
        for pk, e in enrolments.items()
        if (e.ended_on is not None and e.ended_on <= scope.as_of)
        or e.session.end_date < scope.as_of
    }
    if not ended:
        return
    text = _("Mesure d'adaptation sans attestation de mise en place")
    for measure in (
        AdaptationMeasure.objects.filter(sheet__enrolment_id__in=ended, created_at__lt=scope.cutoff)
        .filter(Q(attested_at__isnull=True) | Q(attested_at__gte=scope.cutoff))
        .select_related("sheet")
        .order_by("pk")
    ):
        enrolment = enrolments[measure.sheet.enrolment_id]
        yield learner_gap(
            enrolment,
            indicator=NUMBER,
            rule="I12-ADAPTATION",
            text=text,
            record=measure,
            url=measure.sheet.get_absolute_url(),
            detail=measure.get_kind_display(),
        )


# Violence, harassment, discrimination (V10) ---------------------------------------------


def _safeguarding(scope: Scope) -> Iterable[Gap]:
    if framework.version_on(scope.as_of).code == "V9":
        return
    if PreventionProcedure.objects.filter(
        organisation=scope.organisation, edited_at__lt=scope.cutoff
    ).exists():
        return
    yield Gap(
        indicator=NUMBER,
        rule="I12-VSS",
        text=_(
            "Aucune procédure publiée de prévention et de traitement des violences, "
            "du harcèlement et des discriminations"
        ),
        record_type="core.organisation",
        record_id=scope.organisation.pk,
        external_id="",
        url=reverse("safeguarding:procedure"),
        for_whom=scope.organisation.name,
    )
