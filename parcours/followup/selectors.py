"""Reads of the follow-up app: what the triggers detect, lists, dashboard, timeline.

Detection reads the engagement app's nightly snapshot (the trigger values kept with the
scores, `engagement.selectors.trigger_facts`) and stored risk scores, and names each occurrence by an episode key that stays the same night after night while
the situation lasts:
- consecutive absences: the date of the first absence of the current run;
- inactivity: the last day with activity on the platform;
- missed assessment: the most recent assessment due and not handed in;
- risk level: the first day of the current run of scores at or above the level.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.signals import Scope
from parcours.engagement import selectors as engagement
from parcours.engagement.models import RiskScore
from parcours.feedback.signals import latest_checkins
from parcours.followup.models import (
    RISK_ORDER,
    Call,
    CaseStatus,
    CaseStep,
    Dropout,
    FollowupCase,
    LiaisonSheet,
    Measure,
    Meeting,
    MeetingStatus,
    ProcedureVersion,
    StepStatus,
    Trigger,
    TriggerKind,
    VersionStatus,
)
from parcours.learners.models import Enrolment, Learner
from parcours.learners.selectors import TimelineItem
from parcours.messaging.models import Message
from parcours.messaging.selectors import messages_for

SIGNAL_KINDS = {TriggerKind.ABSENCES, TriggerKind.INACTIVITY, TriggerKind.MISSED_ASSESSMENT}


@dataclass(frozen=True)
class Detection:
    enrolment_id: int
    trigger: Trigger
    episode_key: str
    reason: str


def _fr(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def severity(trigger: Trigger) -> tuple[int, int, int]:
    """The most demanding triggers first (5 absences before 3, élevé before moyen): when
    two of one kind fire, the first one opens the case (one open case per kind)."""
    return (-(trigger.threshold or 0), -RISK_ORDER.get(trigger.risk_level, 0), trigger.order)


def latest_missed_assessment(enrolment: Enrolment, as_of: dt.date) -> Any:
    """The latest assessment the learner owed by `as_of` and had not handed in by then,
    counted as the engine's `missed_assessments` does (due from their own start, before
    `as_of`)."""
    from parcours.activity.models import Assessment, Result

    own_start = max(enrolment.enrolled_on, enrolment.session.start_date)
    handed_in = Result.objects.filter(
        assessment=OuterRef("pk"), enrolment=enrolment, submitted_on__lte=as_of
    )
    return (
        Assessment.objects.filter(
            session_id=enrolment.session_id, due_date__gte=own_start, due_date__lt=as_of
        )
        .exclude(Exists(handed_in))
        .order_by("-due_date", "-pk")
        .first()
    )


def detect(
    organisation: Any,
    as_of: dt.date,
    triggers: list[Trigger],
    *,
    recorded_before: dt.datetime | None = None,
) -> dict[int, list[Detection]]:
    """Per enrolment active on `as_of`, the triggers that fire, most severe first.
    With `recorded_before` (a replay), no stored snapshot computed later is read."""
    found: dict[int, list[Detection]] = {}
    triggers = sorted(triggers, key=severity)
    if any(t.kind in SIGNAL_KINDS for t in triggers):
        for d in _signal_detections(organisation, as_of, triggers, recorded_before):
            found.setdefault(d.enrolment_id, []).append(d)
    stopping = [t for t in triggers if t.kind == TriggerKind.THINKING_OF_STOPPING]
    if stopping:
        for d in _stopping_detections(organisation, as_of, stopping[0]):
            found.setdefault(d.enrolment_id, []).append(d)
    risk_triggers = [t for t in triggers if t.kind == TriggerKind.RISK]
    if risk_triggers:
        for d in _risk_detections(organisation, as_of, risk_triggers, recorded_before):
            found.setdefault(d.enrolment_id, []).append(d)
    return found


def _signal_detections(
    organisation: Any,
    as_of: dt.date,
    triggers: list[Trigger],
    recorded_before: dt.datetime | None = None,
) -> Iterable[Detection]:
    def lowest(kind: str) -> int | None:
        thresholds = [t.threshold or 1 for t in triggers if t.kind == kind]
        return min(thresholds) if thresholds else None

    facts = engagement.trigger_facts(
        organisation,
        as_of,
        absences_from=lowest(TriggerKind.ABSENCES),
        inactivity_from=lowest(TriggerKind.INACTIVITY),
        missed=any(t.kind == TriggerKind.MISSED_ASSESSMENT for t in triggers),
        recorded_before=recorded_before,
    )
    from parcours.activity.models import Assessment

    assessments = Assessment.objects.in_bulk(
        {f.missed_assessment_id for f in facts if f.missed_assessment_id is not None}
    )
    # Each sentence translated once per scan, not once per learner.
    absences = _("%(n)d absences consécutives non justifiées depuis le %(day)s")
    inactive = _("Aucune activité sur la plateforme depuis le %(day)s (%(n)d jours)")
    missed = _("Évaluation « %(title)s » non rendue (échéance le %(day)s)")
    for f in facts:
        for trigger in triggers:
            if trigger.kind == TriggerKind.ABSENCES:
                # Unexcused absences since the last séance attended (excused ones
                # neither count nor break the run); the run's first day names the episode.
                length, start = f.consecutive_unexcused, f.unexcused_run_start
                if length is None or start is None or length < (trigger.threshold or 1):
                    continue
                yield Detection(
                    f.enrolment_id,
                    trigger,
                    start.isoformat(),
                    absences % {"n": length, "day": _fr(start)},
                )
            elif trigger.kind == TriggerKind.INACTIVITY:
                days = f.days_since_activity
                if days is None or days < (trigger.threshold or 1):
                    continue
                last = as_of - dt.timedelta(days=days)
                yield Detection(
                    f.enrolment_id,
                    trigger,
                    last.isoformat(),
                    inactive % {"day": _fr(last), "n": days},
                )
            elif trigger.kind == TriggerKind.MISSED_ASSESSMENT:
                if not f.missed_assessments or f.missed_assessment_id is None:
                    continue
                assessment = assessments.get(f.missed_assessment_id)
                if assessment is None:
                    continue
                yield Detection(
                    f.enrolment_id,
                    trigger,
                    f"evaluation-{assessment.pk}",
                    missed % {"title": assessment.title, "day": _fr(assessment.due_date)},
                )


def _stopping_detections(
    organisation: Any, as_of: dt.date, trigger: Trigger
) -> Iterable[Detection]:
    """Learners active on `as_of` whose latest mid-session check-in (attributable, dated on
    or before `as_of`) says they are thinking of stopping; the check-in names the episode."""
    scope = Scope(organisation_id=getattr(organisation, "pk", organisation), as_of=as_of)
    where, params = scope.where()
    reason = _("A répondu envisager d'arrêter le %(day)s")
    for enrolment_id, (response_id, day, _score, stopping) in latest_checkins(
        scope.organisation_id, as_of, where, params
    ).items():
        if stopping == 1:
            yield Detection(
                enrolment_id, trigger, f"point-etape-{response_id}", reason % {"day": _fr(day)}
            )


def _risk_detections(
    organisation: Any,
    as_of: dt.date,
    triggers: list[Trigger],
    recorded_before: dt.datetime | None = None,
) -> Iterable[Detection]:
    lowest = min(RISK_ORDER[t.risk_level] for t in triggers)
    active = Enrolment.objects.filter(organisation=organisation).active_on(as_of)
    stored = RiskScore.objects.filter(
        organisation=organisation, enrolment__in=active, as_of__lte=as_of
    )
    if recorded_before is not None:
        stored = stored.filter(computed_at__lt=recorded_before)
    scores = stored.order_by("enrolment_id", "-as_of").values_list("enrolment_id", "as_of", "level")
    # Only enrolments whose latest score reaches a trigger's level need their history.
    latest: dict[int, tuple[dt.date, str]] = {}
    for enrolment_id, day, level in scores:
        latest.setdefault(enrolment_id, (day, level))
    hot = [e for e, (_day, level) in latest.items() if RISK_ORDER.get(level, 0) >= lowest]
    history: dict[int, list[tuple[dt.date, str]]] = {}
    for enrolment_id, day, level in scores.filter(enrolment_id__in=hot):
        history.setdefault(enrolment_id, []).append((day, level))
    # Each sentence translated once per scan, not once per learner.
    reason = _("Risque de décrochage « %(level)s » depuis le %(day)s")
    labels = {trigger.pk: trigger.get_risk_level_display() for trigger in triggers}
    for enrolment_id, rows in history.items():
        current = RISK_ORDER.get(rows[0][1], 0)
        for trigger in triggers:
            wanted = RISK_ORDER[trigger.risk_level]
            if current < wanted:
                continue
            since = rows[0][0]
            for day, level in rows:
                if RISK_ORDER.get(level, 0) < wanted:
                    break
                since = day
            yield Detection(
                enrolment_id,
                trigger,
                since.isoformat(),
                reason % {"level": labels[trigger.pk], "day": _fr(since)},
            )


# Procedure


def versions(organisation: Any) -> QuerySet[ProcedureVersion]:
    return ProcedureVersion.objects.filter(organisation=organisation).select_related(
        "edited_by", "validated_by"
    )


def draft_of(organisation: Any) -> ProcedureVersion | None:
    return versions(organisation).filter(status=VersionStatus.DRAFT).first()


def open_case_urls(enrolment_ids: list[int]) -> dict[int, str]:
    """{enrolment id: address of its (oldest) open case}, in one query: for the risk list."""
    from django.urls import reverse

    rows = (
        FollowupCase.objects.filter(enrolment_id__in=enrolment_ids, status=CaseStatus.OPEN)
        .order_by("opened_at", "pk")
        .values_list("enrolment_id", "pk")
    )
    found: dict[int, str] = {}
    for enrolment_id, pk in rows:
        found.setdefault(enrolment_id, reverse("followup:case_detail", args=[pk]))
    return found


def triggers_with_steps(version: ProcedureVersion) -> list[Trigger]:
    """The version's triggers with their steps; each email step knows its template's name
    (`step.template_name`, what staff and the auditor read instead of its key)."""
    from parcours.messaging.defaults import defaults
    from parcours.messaging.models import MessageTemplate

    triggers = list(version.triggers.prefetch_related("steps").order_by("order", "pk"))
    # The organisation's own copy of a template, else the one shipped (made on first use).
    names = {d.key: d.name for d in defaults()}
    names.update(
        MessageTemplate.objects.filter(
            organisation_id=version.procedure.organisation_id
        ).values_list("key", "name")
    )
    for trigger in triggers:
        for step in trigger.steps.all():
            step.template_name = names.get(step.template_key, step.template_key)  # type: ignore[attr-defined]
    return triggers


# Cases


def cases(
    queryset: QuerySet[FollowupCase], *, status: str = "", assigned_to: Any = None
) -> QuerySet[FollowupCase]:
    if status:
        queryset = queryset.filter(status=status)
    if assigned_to is not None:
        queryset = queryset.filter(assigned_to=assigned_to)
    return queryset.select_related(
        "enrolment__learner", "enrolment__session", "assigned_to"
    ).order_by("-opened_at", "-pk")


def delivery_status(steps: Iterable[CaseStep]) -> dict[int, Any]:
    """Per email step, the latest message the messaging app holds for it (or nothing)."""
    keys = {step.related_key: step.pk for step in steps if step.template_key}
    if not keys:
        return {}
    found: dict[int, Any] = {}
    for key, pk in keys.items():
        message = messages_for(key).order_by("-pk").first()
        if message is not None:
            found[pk] = message
    return found


@dataclass
class Dashboard:
    open_cases: list[FollowupCase]
    overdue: list[CaseStep]
    today: list[CaseStep]
    escalated: list[CaseStep]


def open_steps(organisation: Any) -> QuerySet[CaseStep]:
    return CaseStep.objects.filter(
        organisation=organisation, status=StepStatus.TODO, case__status=CaseStatus.OPEN
    ).select_related("case__enrolment__learner", "case__enrolment__session", "assigned_to")


def dashboard(organisation: Any, user: Any, role: str, today: dt.date) -> Dashboard:
    mine = open_steps(organisation).filter(assigned_to=user).order_by("due_on", "pk")
    return Dashboard(
        open_cases=list(
            cases(
                FollowupCase.objects.filter(organisation=organisation),
                status=CaseStatus.OPEN,
                assigned_to=user,
            )
        ),
        overdue=list(mine.filter(due_on__lt=today)),
        today=list(mine.filter(due_on=today)),
        escalated=list(
            open_steps(organisation)
            .filter(escalated_to_role=role, escalated_at__isnull=False)
            .order_by("due_on", "pk")
        ),
    )


# The learner's timeline


def _meeting_title(meeting: Meeting) -> str:
    return _("%(kind)s planifié le %(at)s (%(place)s)") % {
        "kind": meeting.get_kind_display(),
        "at": local_datetime(meeting.starts_at),
        "place": meeting.place,
    }


def followup_events(learner: Learner, user: Any) -> Iterable[TimelineItem]:
    """Cases opened and closed, each step carried out, calls, meetings and their reports,
    measures, the tutor's liaison sheets and the dropout record."""
    for case in (
        FollowupCase.objects.filter(
            enrolment__learner=learner, organisation=learner.organisation_id
        )
        .select_related("enrolment__session")
        .prefetch_related("steps", "calls", "meetings", "measures")
    ):
        url = reverse("followup:case_detail", args=[case.pk])
        session = case.enrolment.session.title
        yield TimelineItem(
            case.opened_at,
            "suivi_ouverture",
            _("Dossier de suivi ouvert : %(trigger)s (« %(session)s »)")
            % {"trigger": case.get_trigger_kind_display(), "session": session},
            detail=case.reason,
            url=url,
        )
        for step in case.steps.all():
            if step.status == StepStatus.DONE and step.done_at is not None:
                yield TimelineItem(
                    step.done_at,
                    "suivi_etape",
                    _("Suivi : %(action)s réalisé") % {"action": step.label},
                    detail=step.note,
                    url=url,
                )
        for call in case.calls.all():
            yield TimelineItem(
                call.called_at,
                "suivi_appel",
                _("Appel téléphonique : %(outcome)s (%(n)d min)")
                % {"outcome": call.get_outcome_display(), "n": call.duration_minutes},
                detail=call.summary,
                url=url,
            )
        for meeting in case.meetings.all():
            yield TimelineItem(meeting.created_at, "suivi_rdv", _meeting_title(meeting), url=url)
            if meeting.cancelled_at is not None:
                yield TimelineItem(
                    meeting.cancelled_at,
                    "suivi_rdv_annule",
                    _("Rendez-vous annulé : %(meeting)s") % {"meeting": meeting},
                    detail=meeting.cancel_reason,
                    url=url,
                )
            if meeting.report_written_at is not None:
                yield TimelineItem(
                    meeting.report_written_at,
                    "suivi_compte_rendu",
                    _("Compte rendu : %(meeting)s") % {"meeting": meeting},
                    detail=meeting.report,
                    url=url,
                )
        for measure in case.measures.all():
            yield TimelineItem(
                measure.on,
                "suivi_mesure",
                str(measure.get_kind_display()) + (f" ({measure.body})" if measure.body else ""),
                detail=" · ".join(x for x in (measure.note, measure.outcome) if x),
                url=url,
            )
        if case.closed_at is not None:
            yield TimelineItem(
                case.closed_at,
                "suivi_cloture",
                _("Dossier de suivi clos : %(outcome)s") % {"outcome": case.get_outcome_display()},
                detail=case.closing_note,
                url=url,
            )
    for sheet in LiaisonSheet.objects.filter(
        enrolment__learner=learner, organisation=learner.organisation_id
    ).select_related("tutor"):
        title = _("Fiche de liaison du tuteur %(tutor)s") % {
            "tutor": f"{sheet.tutor.first_name} {sheet.tutor.last_name}"
        }
        if sheet.alert:
            title += " — " + _("alerte : souhaite être contacté")
        yield TimelineItem(
            sheet.submitted_at,
            "suivi_fiche_liaison",
            title,
            detail=sheet.difficulties or sheet.skills_progress,
            url=reverse("followup:liaison_sheet", args=[sheet.pk]),
        )
    for dropout in Dropout.objects.filter(
        enrolment__learner=learner, organisation=learner.organisation_id
    ).select_related("enrolment"):
        yield TimelineItem(
            dropout.on,
            "suivi_abandon",
            _("Abandon enregistré : %(reason)s") % {"reason": dropout.get_reason_display()},
            detail=dropout.detail,
            url=reverse("followup:enrolment_followup", args=[dropout.enrolment_id]),
        )


def local_datetime(value: dt.datetime) -> str:
    """ "24/11/2026 à 10:32", in Paris time."""
    return timezone.localtime(value).strftime("%d/%m/%Y à %H:%M")


def case_messages(case: FollowupCase, meetings: Iterable[Meeting]) -> list[Any]:
    """Every email of the case (reminders of its steps, meeting invitations), oldest first."""
    keys = [f"case-step:{pk}" for pk in case.steps.values_list("pk", flat=True)]
    keys += [m.related_key for m in meetings]
    return list(
        Message.objects.filter(organisation_id=case.organisation_id, related_key__in=keys).order_by(
            "created_at", "pk"
        )
    )


def actions_before(enrolment: Enrolment) -> str:
    """What was done for the enrolment, one line each, to pre-fill a dropout record."""
    rows: list[tuple[dt.datetime, str]] = []
    for step in CaseStep.objects.filter(
        case__enrolment=enrolment, status=StepStatus.DONE, done_at__isnull=False
    ):
        assert step.done_at is not None  # noqa: S101 (filtered)
        rows.append((step.done_at, step.label))
    for call in Call.objects.filter(case__enrolment=enrolment):
        rows.append(
            (
                call.called_at,
                _("Appel téléphonique (%(outcome)s)") % {"outcome": call.get_outcome_display()},
            )
        )
    for meeting in Meeting.objects.filter(case__enrolment=enrolment).exclude(
        status=MeetingStatus.CANCELLED
    ):
        rows.append((meeting.starts_at, str(meeting.get_kind_display())))
    for measure in Measure.objects.filter(case__enrolment=enrolment):
        moment = timezone.make_aware(dt.datetime.combine(measure.on, dt.time.min))
        rows.append((moment, str(measure)))
    rows.sort(key=lambda row: row[0])
    return "\n".join(
        f"{timezone.localtime(moment).strftime('%d/%m/%Y')} — {text}" for moment, text in rows
    )


def manual_kinds() -> list[tuple[str, str]]:
    return [
        (k.value, str(k.label))
        for k in (TriggerKind.MANUAL, TriggerKind.LEARNER_REQUEST, TriggerKind.TUTOR_ALERT)
    ]
