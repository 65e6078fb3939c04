"""Campaigns: who is asked, launching, sending the invitations, scheduling, reminders."""

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import jobs, journal
from parcours.core.models import JournalAction, Organisation, User
from parcours.feedback import defaults
from parcours.feedback.models import (
    Audience,
    Campaign,
    EventKind,
    Invitation,
    InvitationEvent,
    InvitationState,
    Moment,
    Questionnaire,
)
from parcours.feedback.services.errors import Refused
from parcours.feedback.services.questionnaires import ensure_defaults, settings_for
from parcours.learners.models import Employer, Enrolment, EnrolmentStatus, Funder, Learner, Tutor
from parcours.messaging import services as messaging
from parcours.programmes.models import Session, Trainer

SEND_INVITATIONS = "feedback.send_invitations"


@dataclass
class Recipient:
    name: str
    email: str
    learner: Learner | None = None
    enrolment: Enrolment | None = None
    tutor: Tutor | None = None
    employer: Employer | None = None
    trainer: Trainer | None = None
    funder: Funder | None = None


def _asked_enrolments(session: Session) -> Iterable[Enrolment]:
    return (
        Enrolment.objects.filter(session=session)
        .exclude(status=EnrolmentStatus.ABANDON)
        .select_related("learner", "tutor", "employer", "funder", "learner__employer")
        .order_by("learner__last_name", "learner__first_name", "pk")
    )


def recipients(
    questionnaire: Questionnaire,
    session: Session | None,
    period: tuple[dt.date, dt.date] | None = None,
) -> list[Recipient]:
    """Who is asked, from the data; those without an e-mail are kept (non sollicitables)."""
    audience = questionnaire.audience
    found: list[Recipient] = []
    if audience == Audience.APPRENANT and session is not None:
        for e in _asked_enrolments(session):
            found.append(
                Recipient(e.learner.full_name, e.learner.email, learner=e.learner, enrolment=e)
            )
    elif audience == Audience.ENTREPRISE and session is not None:
        seen: set[tuple[str, int]] = set()
        for e in _asked_enrolments(session):
            employer = e.employer or e.learner.employer
            if e.tutor is not None and ("t", e.tutor.pk) not in seen:
                seen.add(("t", e.tutor.pk))
                name = f"{e.tutor.first_name} {e.tutor.last_name}"
                found.append(Recipient(name, e.tutor.email, tutor=e.tutor, employer=employer))
            elif e.tutor is None and employer is not None and ("e", employer.pk) not in seen:
                seen.add(("e", employer.pk))
                found.append(
                    Recipient(
                        employer.contact_name or employer.name,
                        employer.contact_email,
                        employer=employer,
                    )
                )
    elif audience == Audience.FORMATEUR and session is not None:
        for t in session.trainers.order_by("last_name", "first_name"):
            found.append(Recipient(str(t), t.email, trainer=t))
    elif audience == Audience.FINANCEUR:
        enrolments = Enrolment.objects.filter(
            organisation=questionnaire.organisation, funder__isnull=False
        )
        if session is not None:
            enrolments = enrolments.filter(session=session)
        elif period is not None:
            enrolments = enrolments.filter(
                session__end_date__gte=period[0], session__end_date__lte=period[1]
            )
        ids = enrolments.values("funder_id")
        for f in Funder.objects.filter(pk__in=ids).order_by("name"):
            found.append(Recipient(f.name, f.contact_email, funder=f))
    return found


# -- Campaigns -------------------------------------------------------------------------


def answer_path_template() -> str:
    """The answering page's path with TOKEN in place of the token (one reverse per batch)."""
    return reverse("feedback:answer", args=["TOKEN"])


def answer_url(invitation: Invitation, path_template: str = "") -> str:
    template = path_template or answer_path_template()
    return f"{settings.SITE_URL}{template.replace('TOKEN', invitation.token)}"


def _mail(invitation: Invitation, reminder: int, path_template: str = "") -> tuple[str, str]:
    campaign = invitation.campaign
    subject_of = campaign.session.title if campaign.session_id else campaign.organisation.name  # type: ignore[union-attr]
    if reminder:
        subject = _("Rappel : votre avis sur %(what)s") % {"what": subject_of}
    else:
        subject = _("Votre avis sur %(what)s") % {"what": subject_of}
    lines = [
        _("Bonjour %(name)s,") % {"name": invitation.name},
        "",
        _("%(org)s vous invite à répondre au questionnaire « %(title)s ».")
        % {"org": campaign.organisation.name, "title": campaign.questionnaire.title},
        _(
            "Cela prend quelques minutes, sans compte ni mot de passe, depuis votre téléphone ou votre ordinateur :"
        ),
        answer_url(invitation, path_template),
        "",
        (
            _("Vos réponses sont anonymes.")
            if campaign.questionnaire.anonymous
            else _("Ce questionnaire n'est pas anonyme : vos réponses seront lues par l'équipe.")
        ),
        _("Ce lien personnel est valable jusqu'au %(day)s.")
        % {"day": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y")},
        "",
        _("Merci pour votre aide,"),
        campaign.organisation.name,
    ]
    return subject, "\n".join(lines)


def _outgoing(invitation: Invitation, reminder: int, path_template: str = "") -> messaging.Outgoing:
    subject, body = _mail(invitation, reminder, path_template)
    return messaging.Outgoing(
        to=invitation.email,
        subject=subject,
        body=body,
        dedupe_key=f"feedback:{invitation.pk}:{reminder}",
        enrolment_id=invitation.enrolment_id,
    )


def _queue(invitation: Invitation, reminder: int, acting_user: User | None) -> None:
    """One e-mail (a reminder), with its own journal entry."""
    mail = _outgoing(invitation, reminder)
    messaging.queue_email(
        invitation.campaign.organisation,
        to=mail.to,
        subject=mail.subject,
        body=mail.body,
        enrolment=invitation.enrolment,
        related_key=f"feedback.campaign:{invitation.campaign_id}",
        dedupe_key=mail.dedupe_key,
        acting_user=acting_user,
        template_key="feedback.invitation" if not reminder else "feedback.relance",
    )


@transaction.atomic
def launch_campaign(
    questionnaire: Questionnaire,
    *,
    acting_user: User | None,
    now: dt.datetime,
    session: Session | None = None,
    period: tuple[dt.date, dt.date] | None = None,
    automatic: bool = False,
) -> Campaign:
    """Freeze the current version, invite every recipient (or list them as non
    sollicitables) and queue the e-mails through the outbox."""
    organisation = questionnaire.organisation
    if session is not None and session.organisation_id != organisation.pk:
        raise Refused(_("Session inconnue."))
    if session is None and period is None:
        raise Refused(_("Choisissez une session ou une période."))
    if (
        session is not None
        and Campaign.objects.filter(questionnaire=questionnaire, session=session).exists()
    ):
        raise Refused(_("Ce questionnaire a déjà été lancé pour cette session."))
    if (
        session is None
        and period is not None
        and Campaign.objects.filter(
            questionnaire=questionnaire, session=None, period_start=period[0]
        ).exists()
    ):
        raise Refused(_("Ce questionnaire a déjà été lancé pour cette période."))
    version = questionnaire.current_version()
    if version is None:
        raise Refused(_("Ce questionnaire n'a pas encore de version publiée."))
    ensure_defaults(organisation, acting_user=acting_user)
    conf = settings_for(organisation)
    campaign = Campaign.objects.create(
        organisation=organisation,
        questionnaire=questionnaire,
        version=version,
        session=session,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        launched_on=timezone.localdate(now),
        launched_by=acting_user,
        automatic=automatic,
    )
    expires_at = now + dt.timedelta(days=conf.link_days)
    invitations = [
        Invitation(
            organisation=organisation,
            campaign=campaign,
            audience=questionnaire.audience,
            name=r.name[:200],
            email=r.email,
            learner=r.learner,
            enrolment=r.enrolment,
            tutor=r.tutor,
            employer=r.employer,
            trainer=r.trainer,
            funder=r.funder,
            token=secrets.token_urlsafe(32),
            state=InvitationState.SENT if r.email else InvitationState.UNREACHABLE,
            expires_at=expires_at,
        )
        for r in recipients(questionnaire, session, period)
    ]
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    reachable = sum(1 for i in invitations if i.email)
    journal.record(
        JournalAction.CREATE,
        campaign,
        organisation=organisation,
        acting_user=acting_user,
        changes={
            **journal.diff({}, journal.snapshot(campaign)),
            "invitations": [None, reachable],
            "non_sollicitables": [None, len(invitations) - reachable],
        },
        verb="feedback.campaign_launched",
    )
    if reachable:
        jobs.enqueue(
            SEND_INVITATIONS,
            {"campaign": campaign.pk},
            organisation=organisation,
            created_by=acting_user,
            dedupe_key=f"{SEND_INVITATIONS}:{campaign.pk}",
        )
    return campaign


def send_invitations(
    campaign: Campaign,
    *,
    now: dt.datetime,
    chunk: int = 20_000,
    progress: Any = None,
    deliver: bool = True,
) -> int:
    """Queue the invitation e-mails of a campaign not sent yet, through the outbox, in
    bulk: a chunk per transaction (20,000 by default), its messages, sending jobs and
    events written in bulk, one journal entry for the chunk (run by the worker; a rerun
    after a crash sends the rest). deliver=False records them as sent without e-mail:
    only the demo's past does that."""
    sent = 0
    campaign = Campaign.objects.select_related("questionnaire", "session", "organisation").get(
        pk=campaign.pk
    )
    pending = Invitation.objects.filter(
        campaign=campaign, state=InvitationState.SENT, sent_at__isnull=True
    ).exclude(email="")
    total = pending.count()
    day = timezone.localdate(now)
    path_template = answer_path_template()
    while True:
        with transaction.atomic():
            batch = list(pending.select_for_update().order_by("pk")[:chunk])
            if not batch:
                return sent
            for invitation in batch:
                invitation.campaign = campaign
            if deliver:
                messaging.queue_emails(
                    campaign.organisation,
                    [_outgoing(invitation, 0, path_template) for invitation in batch],
                    related_key=f"feedback.campaign:{campaign.pk}",
                    template_key="feedback.invitation",
                    acting_user=campaign.launched_by,
                    label=str(campaign),
                )
            # The batch is the first rows by pk of the locked set: one UPDATE, no long IN.
            pending.filter(pk__lte=batch[-1].pk).update(sent_at=now)
            InvitationEvent.objects.bulk_create(
                (
                    InvitationEvent(invitation=i, kind=EventKind.SENT, day=day, at=now)
                    for i in batch
                ),
                batch_size=2000,
            )
        sent += len(batch)
        if progress is not None:
            progress(sent, total)


def schedule_due(organisation: Organisation, *, now: dt.datetime) -> list[Campaign]:
    """The campaigns that the rules call for as of `now` and that were not launched yet."""
    today = timezone.localdate(now)
    ensure_defaults(organisation)
    # Only questionnaires with a published version can be sent (a new one may be a draft).
    by_key = {
        q.key: q
        for q in Questionnaire.objects.filter(
            organisation=organisation, is_active=True, versions__published_at__isnull=False
        ).distinct()
    }
    done = set(
        Campaign.objects.filter(organisation=organisation, session__isnull=False).values_list(
            "questionnaire_id", "session_id"
        )
    )
    launched = []
    window = dt.timedelta(days=defaults.CATCH_UP_DAYS)
    horizon = today - dt.timedelta(days=defaults.BC_COLD_DAYS + defaults.CATCH_UP_DAYS)
    sessions = Session.objects.filter(
        organisation=organisation, start_date__lte=today, end_date__gte=horizon
    ).order_by("pk")
    for session in sessions:
        for rule in defaults.RULES:
            questionnaire = by_key.get(rule.questionnaire)
            if questionnaire is None or session.category not in rule.categories:
                continue
            if (questionnaire.pk, session.pk) in done:
                continue
            due = rule.due_on(
                questionnaire.moment,
                session.start_date,
                session.end_date,
                questionnaire.delay_days,
                session.category,
            )
            if due <= today < due + window:
                launched.append(
                    launch_campaign(
                        questionnaire, acting_user=None, now=now, session=session, automatic=True
                    )
                )
    funders = next(
        (
            q
            for q in by_key.values()
            if q.audience == Audience.FINANCEUR and q.moment == Moment.ANNUEL
        ),
        None,
    )
    start = dt.date(today.year, *defaults.FUNDER_DAY)
    if funders is not None and start <= today < start + window:
        period = (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
        if not Campaign.objects.filter(
            questionnaire=funders, session=None, period_start=period[0]
        ).exists():
            launched.append(
                launch_campaign(funders, acting_user=None, now=now, period=period, automatic=True)
            )
    return launched


def send_due_reminders(
    organisation: Organisation, *, now: dt.datetime, deliver: bool = True
) -> int:
    """Reminders to those who have not answered, J+3 and J+7 by default: each one once
    (a conditional update claims it), none after an answer or once the link expired.
    deliver=False records them as sent without e-mail: only the demo's past does that."""
    days = settings_for(organisation).reminder_days
    today = timezone.localdate(now)

    def before_day(back: int) -> dt.datetime:
        """Midnight (Paris) starting the day after `today - back`: J+n counts in days."""
        day = today - dt.timedelta(days=back - 1)
        return timezone.make_aware(dt.datetime.combine(day, dt.time()))

    sent = 0
    for n, day in enumerate(days):
        due = Invitation.objects.filter(
            organisation=organisation,
            state=InvitationState.SENT,
            reminders=n,
            sent_at__lt=before_day(day),
            expires_at__gt=now,
        )
        if n:
            due = due.filter(last_reminded_at__lt=before_day(day - days[n - 1]))
        for invitation in due.select_related(
            "campaign__questionnaire", "campaign__session", "organisation"
        ):
            with transaction.atomic():
                claimed = Invitation.objects.filter(
                    pk=invitation.pk, state=InvitationState.SENT, reminders=n
                ).update(reminders=n + 1, last_reminded_at=now)
                if not claimed:
                    continue
                InvitationEvent.objects.create(
                    invitation=invitation,
                    kind=EventKind.REMINDED,
                    day=timezone.localdate(now),
                    at=now,
                )
                if deliver:
                    _queue(invitation, n + 1, None)
                sent += 1
    return sent
