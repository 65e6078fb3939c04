"""Indicator 31: complaints, incidents and difficulties handled within their deadlines.

On each register entry received by `as_of` (the deadlines are frozen on the entry):
- I31-ACCUSE: acknowledged after its deadline, or still not acknowledged past it (while
  the answer is not overdue yet: then I31-RETARD says it);
- I31-REPONSE: answered after its deadline;
- I31-RETARD: still without an answer past its deadline (neither closed nor dismissed);
- I31-SANS-REPONSE: closed without an answer.
Any of them is a major non-conformity.
"""

from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from parcours.audit.checks import Gap, Scope
from parcours.feedback.complaints.models import Complaint, Status

NUMBER = 31


def _gap(complaint: Complaint, rule: str, text: str, detail: str) -> Gap:
    session = complaint.session
    return Gap(
        indicator=NUMBER,
        rule=rule,
        text=text,
        record_type="feedback.complaint",
        record_id=complaint.pk,
        external_id=(complaint.learner.external_id if complaint.learner_id else "")  # type: ignore[union-attr]
        or (session.external_id if session is not None else ""),
        url=reverse("feedback:complaints:detail", args=[complaint.pk]),
        # The entry's reference, never the complainant's name: the auditor reads it too.
        for_whom=str(complaint),
        detail=detail,
        session_id=complaint.session_id,
        enrolment_id=complaint.enrolment_id,
    )


def complaints_in_scope(scope: Scope) -> list[Complaint]:
    """The entries received by `as_of`; for a sample, those it touches (its sessions, its
    learners) and those about no session nor learner in particular."""
    qs = Complaint.objects.filter(
        organisation=scope.organisation, received_at__lt=scope.cutoff
    ).select_related("session", "learner")
    if scope.session_ids is not None:
        enrolments = list(scope.enrolments().values_list("pk", "learner_id"))
        qs = qs.filter(
            Q(session_id__in=scope.session_ids)
            | Q(enrolment_id__in=[pk for pk, _l in enrolments])
            | Q(learner_id__in=[learner for _pk, learner in enrolments])
            | Q(session__isnull=True, enrolment__isnull=True, learner__isnull=True)
        )
    return list(qs.order_by("received_at", "pk"))


def check(scope: Scope) -> Iterable[Gap]:
    cutoff, day = scope.cutoff, scope.local_day
    for c in complaints_in_scope(scope):
        acknowledged = (
            c.acknowledged_at if c.acknowledged_at and c.acknowledged_at < cutoff else None
        )
        answered = c.answered_at if c.answered_at and c.answered_at < cutoff else None
        closed = c.closed_at if c.closed_at and c.closed_at < cutoff else None
        dismissed = c.status == Status.DISMISSED and closed is not None
        fr = "%d/%m/%Y"
        if acknowledged is not None and day(acknowledged) > c.acknowledge_due:
            yield _gap(
                c,
                "I31-ACCUSE",
                _("Accusé de réception envoyé après le délai"),
                _("accusée le %(on)s, attendue le %(due)s")
                % {"on": day(acknowledged).strftime(fr), "due": c.acknowledge_due.strftime(fr)},
            )
        elif (
            acknowledged is None
            and closed is None
            and answered is None
            and c.acknowledge_due < scope.as_of <= c.answer_due
        ):
            yield _gap(
                c,
                "I31-ACCUSE",
                _("Accusé de réception non envoyé dans le délai"),
                _("attendu le %(due)s") % {"due": c.acknowledge_due.strftime(fr)},
            )
        if answered is not None and day(answered) > c.answer_due:
            yield _gap(
                c,
                "I31-REPONSE",
                _("Réponse apportée après le délai"),
                _("répondue le %(on)s, attendue le %(due)s")
                % {"on": day(answered).strftime(fr), "due": c.answer_due.strftime(fr)},
            )
        elif answered is None and closed is None and c.answer_due < scope.as_of:
            yield _gap(
                c,
                "I31-RETARD",
                _("Entrée ouverte au-delà du délai de réponse"),
                _("réponse attendue le %(due)s") % {"due": c.answer_due.strftime(fr)},
            )
        elif answered is None and closed is not None and not dismissed:
            yield _gap(
                c,
                "I31-SANS-REPONSE",
                _("Entrée close sans réponse"),
                _("close le %(on)s") % {"on": day(closed).strftime(fr)},
            )
