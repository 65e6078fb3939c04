"""Writes of feedback: default questionnaires, campaigns, invitations, reminders, answers.

Every function runs in one transaction with its journal entry. Anonymous answers are
journaled on the campaign ("one more answer"), never on the invitation or the answer.
"""

import datetime as dt
import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
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
    AnonymousAnswer,
    AnonymousResponse,
    AttributedAnswer,
    AttributedResponse,
    Audience,
    Campaign,
    EventKind,
    FeedbackSettings,
    Invitation,
    InvitationEvent,
    InvitationState,
    Item,
    ItemKind,
    Moment,
    Questionnaire,
    QuestionnaireVersion,
    SummaryShare,
)
from parcours.learners.models import Employer, Enrolment, EnrolmentStatus, Funder, Learner, Tutor
from parcours.messaging import services as messaging
from parcours.programmes.models import Session, Trainer

# Anonymous answers are kept in shuffled batches of this size (the last one of a day may
# be smaller): the rows of an open batch are rewritten in a new random order at each answer.
BATCH = 20
SEND_INVITATIONS = "feedback.send_invitations"
_shuffle = random.SystemRandom().shuffle


class Refused(Exception):
    """An action refused, with the French message shown to the person."""


class InvalidAnswers(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


# -- Defaults and settings -------------------------------------------------------------


@transaction.atomic
def organisation_created(organisation: Organisation, acting_user: User | None) -> None:
    """A new organisation starts with the shipped questionnaires and its settings."""
    ensure_defaults(organisation, acting_user=acting_user)


def ensure_defaults(organisation: Organisation, *, acting_user: User | None = None) -> None:
    """The organisation's copy of the shipped questionnaires and its settings, if missing."""
    FeedbackSettings.objects.get_or_create(
        organisation=organisation, defaults={"reminder_days": defaults.DEFAULT_REMINDER_DAYS}
    )
    existing = set(
        Questionnaire.objects.filter(organisation=organisation).values_list("key", flat=True)
    )
    for spec in defaults.defaults():
        if spec.key in existing:
            continue
        questionnaire = Questionnaire.objects.create(
            organisation=organisation,
            key=spec.key,
            title=spec.title,
            audience=spec.audience,
            moment=spec.moment,
            anonymous=spec.anonymous,
            delay_days=spec.delay_days,
        )
        version = QuestionnaireVersion.objects.create(
            questionnaire=questionnaire, number=1, intro=spec.intro
        )
        Item.objects.bulk_create(
            Item(
                version=version,
                position=n,
                key=i.key,
                kind=i.kind,
                theme=i.theme,
                text=i.text,
                options=i.options,
                required=i.required,
                per_trainer=i.per_trainer,
            )
            for n, i in enumerate(spec.items, start=1)
        )
        journal.record(
            JournalAction.CREATE,
            questionnaire,
            organisation=organisation,
            acting_user=acting_user,
            changes=journal.diff({}, journal.snapshot(questionnaire)),
            verb="feedback.questionnaire_created",
        )


def settings_for(organisation: Organisation) -> FeedbackSettings:
    """The organisation's settings (the defaults, unsaved, until they are created)."""
    found = FeedbackSettings.objects.filter(organisation=organisation).first()
    return found or FeedbackSettings(
        organisation=organisation, reminder_days=list(defaults.DEFAULT_REMINDER_DAYS)
    )


@transaction.atomic
def update_settings(
    organisation: Organisation,
    *,
    acting_user: User | None,
    k_threshold: int,
    reminder_days: Sequence[int],
    link_days: int,
) -> FeedbackSettings:
    if k_threshold < 2:
        raise Refused(_("Le seuil d'anonymat doit être d'au moins 2 répondants."))
    if any(d < 1 for d in reminder_days) or list(reminder_days) != sorted(set(reminder_days)):
        raise Refused(_("Les relances sont des jours croissants, à partir de 1."))
    if not reminder_days or link_days <= max(reminder_days):
        raise Refused(_("Le lien doit rester valable après la dernière relance."))
    ensure_defaults(organisation, acting_user=acting_user)
    row = FeedbackSettings.objects.select_for_update().get(organisation=organisation)
    before = journal.snapshot(row)
    row.k_threshold, row.reminder_days, row.link_days = k_threshold, list(reminder_days), link_days
    row.save()
    journal.record(
        JournalAction.UPDATE,
        row,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff(before, journal.snapshot(row)),
        verb="feedback.settings",
    )
    return row


# -- Recipients ------------------------------------------------------------------------


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


def answer_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}{reverse('feedback:answer', args=[invitation.token])}"


def _mail(invitation: Invitation, reminder: int) -> tuple[str, str]:
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
        answer_url(invitation),
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


def _queue(invitation: Invitation, reminder: int, acting_user: User | None) -> None:
    subject, body = _mail(invitation, reminder)
    messaging.queue_email(
        invitation.campaign.organisation,
        to=invitation.email,
        subject=subject,
        body=body,
        enrolment=invitation.enrolment,
        related_key=f"feedback.campaign:{invitation.campaign_id}",
        dedupe_key=f"feedback:{invitation.pk}:{reminder}",
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
    ensure_defaults(organisation, acting_user=acting_user)
    conf = settings_for(organisation)
    campaign = Campaign.objects.create(
        organisation=organisation,
        questionnaire=questionnaire,
        version=questionnaire.current_version(),
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
    chunk: int = 500,
    progress: Any = None,
    deliver: bool = True,
) -> int:
    """Queue the invitation e-mails of a campaign not sent yet, through the outbox, a
    chunk per transaction (run by the worker; a rerun after a crash sends the rest).
    deliver=False records them as sent without e-mail: only the demo's past does that."""
    sent = 0
    campaign = Campaign.objects.select_related("questionnaire", "session", "organisation").get(
        pk=campaign.pk
    )
    pending = Invitation.objects.filter(
        campaign=campaign, state=InvitationState.SENT, sent_at__isnull=True
    ).exclude(email="")
    total = pending.count()
    while True:
        with transaction.atomic():
            batch = list(pending.select_for_update().order_by("pk")[:chunk])
            if not batch:
                return sent
            for invitation in batch:
                invitation.campaign = campaign
                invitation.sent_at = now
                if deliver:
                    _queue(invitation, 0, campaign.launched_by)
            Invitation.objects.filter(pk__in=[i.pk for i in batch]).update(sent_at=now)
            InvitationEvent.objects.bulk_create(
                InvitationEvent(
                    invitation=i, kind=EventKind.SENT, day=timezone.localdate(now), at=now
                )
                for i in batch
            )
        sent += len(batch)
        if progress is not None:
            progress(sent, total)


def schedule_due(organisation: Organisation, *, now: dt.datetime) -> list[Campaign]:
    """The campaigns that the rules call for as of `now` and that were not launched yet."""
    today = timezone.localdate(now)
    ensure_defaults(organisation)
    by_key = {
        q.key: q for q in Questionnaire.objects.filter(organisation=organisation, is_active=True)
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


# -- Answering -------------------------------------------------------------------------


def invitation_for_token(token: str, *, now: dt.datetime) -> Invitation:
    invitation = (
        Invitation.objects.select_related(
            "campaign__questionnaire", "campaign__version", "campaign__session", "organisation"
        )
        .filter(token=token)
        .first()
    )
    if invitation is None or invitation.state == InvitationState.UNREACHABLE:
        raise Refused(_("Ce lien n'est pas valide."))
    if invitation.state == InvitationState.ANSWERED:
        raise Refused(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    if invitation.expires_at <= now:
        raise Refused(_("Ce lien a expiré. Demandez-en un nouveau à l'organisme."))
    return invitation


@transaction.atomic
def record_open(invitation: Invitation, *, now: dt.datetime) -> None:
    """The first opening of the link (for an anonymous questionnaire, its day only)."""
    if not Invitation.objects.filter(pk=invitation.pk, opened=False).update(opened=True):
        return
    anonymous = invitation.campaign.questionnaire.anonymous
    InvitationEvent.objects.create(
        invitation=invitation,
        kind=EventKind.OPENED,
        day=timezone.localdate(now),
        at=None if anonymous else now,
    )


def questions(invitation: Invitation) -> list[tuple[Item, Trainer | None, str]]:
    """The questions as asked: (item, trainer for per-teacher items, form field name)."""
    campaign = invitation.campaign
    items = list(campaign.version.items.all())
    trainers: list[Trainer] = []
    if campaign.session_id and any(i.per_trainer for i in items):
        trainers = list(campaign.session.trainers.order_by("last_name", "first_name"))  # type: ignore[union-attr]
    asked: list[tuple[Item, Trainer | None, str]] = []
    for item in items:
        if item.per_trainer and trainers:
            asked.extend((item, t, f"q{item.pk}_t{t.pk}") for t in trainers)
        else:
            asked.append((item, None, f"q{item.pk}"))
    return asked


Parsed = list[tuple[int, int | None, int | None, str]]  # item, trainer, number, text


def parse_answers(invitation: Invitation, data: Mapping[str, Sequence[str]]) -> Parsed:
    """The answers read from the form, or InvalidAnswers with a French message per field."""
    parsed: Parsed = []
    errors: dict[str, str] = {}
    for item, trainer, name in questions(invitation):
        values = [v.strip() for v in data.get(name, []) if v and v.strip()]
        trainer_id = trainer.pk if trainer else None
        if not values:
            if item.required:
                errors[name] = _("Merci de répondre à cette question.")
            continue
        if item.kind == ItemKind.TEXT:
            text = values[0][:4000]
            parsed.append((item.pk, trainer_id, None, text))
            continue
        allowed = {str(n) for n, _label in item.choices()}
        if any(v not in allowed for v in values) or (
            item.kind != ItemKind.MULTIPLE and len(values) > 1
        ):
            errors[name] = _("Réponse non valable.")
            continue
        for v in dict.fromkeys(values):
            parsed.append((item.pk, trainer_id, int(v), ""))
    if errors:
        raise InvalidAnswers(errors)
    return parsed


def _store_anonymous(campaign: Campaign, day: dt.date, parsed: Parsed) -> None:
    """Add one anonymous response to the day's open batch, rewriting the batch's rows in
    a new random order with new random keys: the order of the rows says nothing of the
    order of the answers. A full batch is sealed and never rewritten again."""
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one writer per campaign
    open_batch = list(
        AnonymousResponse.objects.filter(campaign=campaign, day=day, sealed=False).prefetch_related(
            "answers"
        )
    )
    batch = [
        [(a.item_id, a.trainer_id, a.number, a.text) for a in r.answers.all()] for r in open_batch
    ]
    batch.append(parsed)
    AnonymousResponse.objects.filter(pk__in=[r.pk for r in open_batch]).delete()
    _shuffle(batch)
    sealed = len(batch) >= BATCH
    responses = [
        AnonymousResponse(
            organisation_id=campaign.organisation_id, campaign=campaign, day=day, sealed=sealed
        )
        for _answers in batch
    ]
    AnonymousResponse.objects.bulk_create(responses)
    answers = [
        AnonymousAnswer(
            response=r,
            campaign=campaign,
            item_id=item,
            trainer_id=trainer,
            number=number,
            text=text,
        )
        for r, rows in zip(responses, batch, strict=True)
        for item, trainer, number, text in rows
    ]
    _shuffle(answers)
    AnonymousAnswer.objects.bulk_create(answers)


@transaction.atomic
def submit(invitation: Invitation, data: Mapping[str, Sequence[str]], *, now: dt.datetime) -> None:
    """Record the answers. For an anonymous questionnaire the invitation only learns that
    it was answered, and on which day; the journal entry names the campaign only."""
    parsed = parse_answers(invitation, data)
    if not parsed:
        raise InvalidAnswers({"": _("Répondez à au moins une question.")})
    day = timezone.localdate(now)
    claimed = Invitation.objects.filter(
        pk=invitation.pk, state=InvitationState.SENT, expires_at__gt=now
    ).update(state=InvitationState.ANSWERED, answered_on=day)
    if not claimed:
        raise Refused(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    campaign = invitation.campaign
    organisation = campaign.organisation
    if campaign.questionnaire.anonymous:
        InvitationEvent.objects.create(
            invitation=invitation, kind=EventKind.ANSWERED, day=day, at=None
        )
        _store_anonymous(campaign, day, parsed)
        journal.record_event(
            "feedback.anonymous_answer",
            organisation=organisation,
            acting_user=None,
            obj=campaign,
            data={"day": day},
            label=_("répondant anonyme"),
        )
        return
    InvitationEvent.objects.create(invitation=invitation, kind=EventKind.ANSWERED, day=day, at=now)
    response = AttributedResponse.objects.create(
        organisation=organisation,
        campaign=campaign,
        invitation=invitation,
        enrolment=invitation.enrolment,
        day=day,
        submitted_at=now,
    )
    AttributedAnswer.objects.bulk_create(
        AttributedAnswer(
            response=response,
            campaign=campaign,
            item_id=item,
            trainer_id=trainer,
            number=number,
            text=text,
        )
        for item, trainer, number, text in parsed
    )
    journal.record(
        JournalAction.UPDATE,
        invitation,
        organisation=organisation,
        acting_user=None,
        changes={
            "state": [InvitationState.SENT, InvitationState.ANSWERED],
            "answers": [None, len(parsed)],
        },
        verb="feedback.answered",
        label=invitation.name,
    )


# -- Sharing the summary (I33) ---------------------------------------------------------


@transaction.atomic
def share_summary(
    session: Session,
    *,
    acting_user: User,
    pdf: bytes,
    filename: str,
    now: dt.datetime,
) -> SummaryShare:
    """Send the session's PDF summary to its teaching staff; who and when is recorded."""
    import hashlib

    trainers = [t for t in session.trainers.order_by("last_name", "first_name") if t.email]
    if not trainers:
        raise Refused(_("Aucun formateur de cette session n'a d'adresse e-mail."))
    share = SummaryShare.objects.create(
        organisation=session.organisation,
        session=session,
        shared_by=acting_user,
        shared_at=now,
        recipients=[f"{t} <{t.email}>" for t in trainers],
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    for t in trainers:
        messaging.queue_email(
            session.organisation,
            to=t.email,
            subject=_("Résultats des questionnaires : %(session)s") % {"session": session.title},
            body=_(
                "Bonjour %(name)s,\n\nVous trouverez ci-joint la synthèse des appréciations "
                "de la session « %(session)s », pour l'équipe pédagogique.\n\n%(org)s"
            )
            % {"name": t.first_name, "session": session.title, "org": session.organisation.name},
            related_key=f"feedback.share:{share.pk}",
            attachments=[(filename, "application/pdf", pdf)],
            acting_user=acting_user,
            template_key="feedback.synthese",
        )
    journal.record(
        JournalAction.CREATE,
        share,
        organisation=session.organisation,
        acting_user=acting_user,
        changes=journal.diff({}, journal.snapshot(share)),
        verb="feedback.summary_shared",
    )
    return share
