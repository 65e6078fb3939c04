"""Indicator 30: the appreciations of every stakeholder, collected for each session.

For each session ended in the audited year (and at least a week before `as_of`, the time
for its end-of-session campaigns to go out), each audience it had (its learners; their
companies or tutors; its trainers; its funders, "le cas échéant" in V10: only where a
funder other than the learner themself paid):
- I30-JAMAIS: the audience was never asked (no campaign for the session, or for the
  funders an annual campaign covering its end);
- I30-RELANCE: the audience was asked, some did not answer, and nobody was reminded
  although the first reminder was due while their link was valid.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from parcours.audit.checks import Gap, Scope, session_gap
from parcours.feedback.models import (
    Audience,
    Campaign,
    EventKind,
    FeedbackSettings,
    Invitation,
    InvitationEvent,
    InvitationState,
)
from parcours.learners.models import Enrolment, FunderKind
from parcours.programmes.models import Session

NUMBER = 30
AUDITED_DAYS = 365
GRACE_DAYS = 7
AUDIENCES = (Audience.APPRENANT, Audience.ENTREPRISE, Audience.FORMATEUR, Audience.FINANCEUR)


def ended_sessions(scope: Scope) -> list[Session]:
    first = scope.as_of - dt.timedelta(days=AUDITED_DAYS)
    last = scope.as_of - dt.timedelta(days=GRACE_DAYS)
    return [s for s in scope.sessions() if first <= s.end_date <= last]


def expected_audiences(scope: Scope, sessions: list[Session]) -> dict[int, set[str]]:
    """Who each session had to ask, from what was recorded by `as_of`."""
    wanted: dict[int, set[str]] = defaultdict(set)
    enrolments = Enrolment.objects.filter(
        session__in=sessions, created_at__lt=scope.cutoff, enrolled_on__lte=scope.as_of
    ).values_list("session_id", "employer_id", "tutor_id", "funder__kind")
    for session_id, employer_id, tutor_id, funder_kind in enrolments:
        wanted[session_id].add(Audience.APPRENANT)
        if employer_id or tutor_id:
            wanted[session_id].add(Audience.ENTREPRISE)
        if funder_kind and funder_kind != FunderKind.SELF:
            wanted[session_id].add(Audience.FINANCEUR)
    for session_id in Session.trainers.through.objects.filter(session__in=sessions).values_list(
        "session_id", flat=True
    ):
        wanted[session_id].add(Audience.FORMATEUR)
    return wanted


def check(scope: Scope) -> Iterable[Gap]:
    sessions = ended_sessions(scope)
    if not sessions:
        return
    wanted = expected_audiences(scope, sessions)
    campaigns: dict[tuple[int, str], list[int]] = defaultdict(list)
    for pk, session_id, audience in Campaign.objects.filter(
        session__in=sessions, launched_on__lte=scope.as_of, created_at__lt=scope.cutoff
    ).values_list("pk", "session_id", "questionnaire__audience"):
        campaigns[session_id, audience].append(pk)
    annual = list(
        Campaign.objects.filter(
            organisation=scope.organisation,
            session__isnull=True,
            questionnaire__audience=Audience.FINANCEUR,
            launched_on__lte=scope.as_of,
            created_at__lt=scope.cutoff,
        ).values_list("pk", "period_start", "period_end")
    )
    for session in sessions:
        for pk, start, end in annual:
            if start and end and start <= session.end_date <= end:
                campaigns[session.pk, Audience.FINANCEUR].append(pk)
    unreminded = _unreminded(scope, [pk for pks in campaigns.values() for pk in pks])
    labels = dict(Audience.choices)
    never = _("Partie prenante jamais sollicitée sur la session")
    silent = _("Partie prenante sollicitée sans relance des non-répondants")
    for session in sessions:
        for audience in AUDIENCES:
            if audience not in wanted[session.pk]:
                continue
            asked = campaigns.get((session.pk, audience), [])
            if not asked:
                yield _gap(session, "I30-JAMAIS", never, str(labels[audience]), audience)
                continue
            missed = sum(unreminded.get(pk, 0) for pk in asked)
            if missed:
                detail = _("%(audience)s : %(n)d sans réponse ni relance") % {
                    "audience": labels[audience],
                    "n": missed,
                }
                yield _gap(session, "I30-RELANCE", silent, detail, audience)


def _gap(session: Session, rule: str, text: str, detail: str, audience: str) -> Gap:
    gap = session_gap(session, indicator=NUMBER, rule=rule, text=text, detail=detail)
    # One gap per session and audience: the audience is part of what identifies it.
    return Gap(
        **{
            **gap.__dict__,
            "rule": f"{rule}-{audience.upper()}",
            "url": reverse("feedback:session_results", args=[session.pk]),
        }
    )


def _unreminded(scope: Scope, campaign_ids: list[int]) -> dict[int, int]:
    """Per campaign, the invitations sent, unanswered on `as_of`, whose first reminder was
    due (while their link was valid) by then, and that were never reminded by then."""
    if not campaign_ids:
        return {}
    days = getattr(
        FeedbackSettings.objects.filter(organisation=scope.organisation).first(),
        "reminder_days",
        None,
    ) or [3]
    first = min(days)
    reminded = set(
        InvitationEvent.objects.filter(
            invitation__campaign_id__in=campaign_ids,
            kind=EventKind.REMINDED,
            day__lte=scope.as_of,
        ).values_list("invitation_id", flat=True)
    )
    counts: dict[int, int] = defaultdict(int)
    for pk, campaign_id, sent_at, expires_at in (
        Invitation.objects.filter(campaign_id__in=campaign_ids, sent_at__lt=scope.cutoff)
        .exclude(state=InvitationState.UNREACHABLE)
        .filter(Q(answered_on__isnull=True) | Q(answered_on__gt=scope.as_of))
        .values_list("pk", "campaign_id", "sent_at", "expires_at")
    ):
        if sent_at is None:
            continue
        due_day = scope.local_day(sent_at) + dt.timedelta(days=first)
        if due_day >= scope.as_of or scope.local_day(expires_at) <= due_day:
            continue
        if pk not in reminded:
            counts[campaign_id] += 1
    return counts
