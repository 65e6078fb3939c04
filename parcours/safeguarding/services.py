"""Writes of the safeguarding app. Each runs in a transaction with its journal entry.

The journal is read by direction, the référent qualité and the auditor, so what this
app writes there is neutral on purpose: "signalement n° 12 reçu", "statut : reçu →
accusé de réception", never a name, never a text. Whatever the reporter does is
journaled without an actor (their identity would otherwise be in the entry), and the
handlers' email says only that a report awaits them.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import Membership, Organisation, Role, User
from parcours.core.services import create_record, update_record
from parcours.learners.models import Learner
from parcours.lib.followup_codes import code_digest, digest_if_well_formed, new_code
from parcours.messaging.services import queue_email
from parcours.safeguarding import defaults
from parcours.safeguarding.access import DESIGNABLE_ROLES
from parcours.safeguarding.models import (
    NEXT_STATUS,
    Author,
    InternalNote,
    Measure,
    PreventionProcedure,
    Report,
    ReporterMessage,
    SafeguardingHandler,
    Status,
    Transition,
)

REPORTER_LABEL = "déclarant (identité non journalisée)"


# Follow-up codes (parcours.lib.followup_codes, shared with the complaints register)


def report_for_code(code: str) -> Report | None:
    """The report whose follow-up code this is, or None (whatever was wrong with it)."""
    digest = digest_if_well_formed(code)
    if digest is None:
        return None
    return Report.objects.select_related("organisation").filter(code_digest=digest).first()


# Handlers


@transaction.atomic
def designate_handler(
    organisation: Organisation, user: User, *, acting_user: User | None
) -> SafeguardingHandler:
    member = Membership.objects.filter(user=user, organisation=organisation).first()
    if member is None or member.role not in DESIGNABLE_ROLES:
        raise ValidationError(
            _("Seul un membre de l'équipe de l'organisme peut être désigné référent.")
        )
    existing = SafeguardingHandler.objects.filter(organisation=organisation, user=user).first()
    if existing is None:
        return create_record(
            SafeguardingHandler,
            acting_user=acting_user,
            verb="safeguarding.handler_designated",
            organisation=organisation,
            user=user,
            designated_by=acting_user,
        )
    if existing.active:
        raise ValidationError(_("Cette personne est déjà référente."))
    return update_record(
        existing,
        acting_user=acting_user,
        verb="safeguarding.handler_designated",
        active=True,
        designated_by=acting_user,
        designated_at=timezone.now(),
        ended_at=None,
    )


def end_designation(
    handler: SafeguardingHandler, *, acting_user: User | None
) -> SafeguardingHandler:
    if not handler.active:
        raise ValidationError(_("Cette désignation a déjà pris fin."))
    return update_record(
        handler,
        acting_user=acting_user,
        verb="safeguarding.handler_ended",
        active=False,
        ended_at=timezone.now(),
    )


def active_handler_emails(organisation: Organisation) -> list[str]:
    return list(
        SafeguardingHandler.objects.filter(
            organisation=organisation,
            active=True,
            user__is_active=True,
            user__membership__organisation=organisation,
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def _notify_handlers(report: Report, subject: str, intro: str) -> None:
    """An email to each active handler: a link, never the content nor the reporter."""
    link = settings.SITE_URL + reverse("safeguarding:report_detail", args=[report.pk])
    body = "\n\n".join(
        [
            intro,
            _("Consultez-le dans Parcours (connexion requise) : %(link)s") % {"link": link},
            _(
                "Pour des raisons de confidentialité, ce message ne contient aucune "
                "information sur la situation signalée."
            ),
        ]
    )
    recipients = active_handler_emails(report.organisation)
    if not recipients:
        # Nobody designated: the report must not go to nobody. The direction is told, with
        # the same neutral notice (no content), and asked to designate a handler.
        recipients = direction_emails(report.organisation)
        designate = settings.SITE_URL + reverse("safeguarding:handlers")
        body = "\n\n".join(
            [
                body,
                _(
                    "Votre organisme n'a désigné aucun référent : personne ne peut lire ce "
                    "signalement. Désignez un référent dès maintenant : %(link)s"
                )
                % {"link": designate},
            ]
        )
        subject = _("%(subject)s : aucun référent désigné") % {"subject": subject}
    for email in recipients:
        queue_email(report.organisation, to=email, subject=subject, body=body)


def direction_emails(organisation: Organisation) -> list[str]:
    return list(
        Membership.objects.filter(
            organisation=organisation, role=Role.DIRECTION, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


# Reports


@dataclass
class ReportFacts:
    kind: str
    description: str
    place: str
    reporter_role: str
    occurred_on: dt.date | None = None
    occurred_when: str = ""
    people_involved: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


@transaction.atomic
def submit_report(
    organisation: Organisation,
    facts: ReportFacts,
    *,
    channel: str,
    reporter_user: User | None = None,
    reporter_learner: Learner | None = None,
    anonymous: bool = True,
) -> tuple[Report, str]:
    """Record a report and notify the handlers. Returns the report and its follow-up code,
    which is shown once to the reporter and never stored (only its digest is).

    An anonymous report keeps no link to whoever sent it, whatever the caller passes."""
    if anonymous:
        reporter_user = reporter_learner = None
    elif reporter_learner is not None and reporter_learner.organisation_id != organisation.pk:
        raise ValidationError(_("Choix inconnu dans cette organisation."))
    # Numbers are per organisation: lock the organisation's row while taking the next one.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    last = Report.objects.filter(organisation=organisation).aggregate(n=Max("number"))["n"]
    code = new_code()
    report = Report(
        organisation=organisation,
        number=(last or 0) + 1,
        channel=channel,
        anonymous=anonymous,
        reporter_user=reporter_user,
        reporter_learner=reporter_learner,
        code_digest=code_digest(code),
        kind=facts.kind,
        description=facts.description.strip(),
        occurred_on=facts.occurred_on,
        occurred_when=facts.occurred_when.strip(),
        place=facts.place,
        people_involved=facts.people_involved.strip(),
        reporter_role=facts.reporter_role,
        contact_name=facts.contact_name.strip(),
        contact_email=facts.contact_email.strip(),
        contact_phone=facts.contact_phone.strip(),
    )
    report.full_clean()
    report.save()
    journal.record_event(
        "safeguarding.report_received",
        organisation=organisation,
        acting_user=None,
        obj=report,
        data={"numero": report.number},
        label=REPORTER_LABEL,
    )
    _notify_handlers(
        report,
        _("Nouveau signalement à traiter"),
        _("Un nouveau signalement vous attend (%(report)s).") % {"report": report},
    )
    return report, code


def _locked(report: Report) -> Report:
    """The report's row, locked for the rest of the transaction, as it is now."""
    fresh = Report.objects.select_for_update().get(pk=report.pk)
    report.status = fresh.status
    return fresh


def _check_open(report: Report) -> None:
    if report.status == Status.CLOSED:
        raise ValidationError(_("Ce signalement est clos : il ne peut plus être modifié."))


@transaction.atomic
def advance(
    report: Report, *, to_status: str, note: str, acting_user: User, now: dt.datetime | None = None
) -> Transition:
    """Move the report to its next status, dated, by whom, with a note. No step is skipped."""
    fresh = _locked(report)
    now = now or timezone.now()
    expected = NEXT_STATUS.get(fresh.status)
    if to_status not in Status.values:
        raise ValidationError(_("Statut inconnu."))
    if expected is None:
        raise ValidationError(_("Ce signalement est clos : son statut ne change plus."))
    if to_status != expected:
        raise ValidationError(
            _(
                "Passage impossible de « %(current)s » à « %(target)s » : l'étape suivante "
                "est « %(expected)s »."
            ),
            params={
                "current": Status(fresh.status).label,
                "target": Status(to_status).label,
                "expected": Status(expected).label,
            },
        )
    if not note.strip():
        raise ValidationError({"note": _("Indiquez une note pour ce changement de statut.")})
    if to_status == Status.MEASURES and not fresh.measures.exists():
        raise ValidationError(
            _("Enregistrez au moins une mesure avant de passer à « Mesures prises ».")
        )
    transition = Transition.objects.create(
        report=fresh,
        from_status=fresh.status,
        to_status=to_status,
        at=now,
        by=acting_user,
        note=note.strip(),
    )
    fields = ["status"]
    fresh.status = to_status
    if to_status == Status.ACKNOWLEDGED:
        fresh.acknowledged_at = now
        fields.append("acknowledged_at")
    if to_status == Status.CLOSED:
        fresh.closed_at = now
        fields.append("closed_at")
    fresh.save(update_fields=fields)
    for name in fields:
        setattr(report, name, getattr(fresh, name))
    journal.record_event(
        "safeguarding.status_changed",
        organisation=fresh.organisation_id,
        acting_user=acting_user,
        obj=fresh,
        data={"statut": [transition.from_status, to_status]},
    )
    return transition


@transaction.atomic
def record_export(report: Report, *, acting_user: User) -> None:
    """Who printed a report's file, and when: the file holds everything."""
    journal.record_event(
        "safeguarding.report_exported",
        organisation=report.organisation_id,
        acting_user=acting_user,
        obj=report,
    )


@transaction.atomic
def record_measure(
    report: Report, *, kind: str, description: str, decided_on: dt.date, acting_user: User
) -> Measure:
    fresh = _locked(report)
    _check_open(fresh)
    measure = Measure(
        report=fresh,
        kind=kind,
        description=description.strip(),
        decided_on=decided_on,
        recorded_by=acting_user,
    )
    measure.full_clean()
    measure.save()
    journal.record_event(
        "safeguarding.measure_recorded",
        organisation=fresh.organisation_id,
        acting_user=acting_user,
        obj=fresh,
    )
    return measure


@transaction.atomic
def add_note(report: Report, *, body: str, acting_user: User) -> InternalNote:
    fresh = _locked(report)
    _check_open(fresh)
    if not body.strip():
        raise ValidationError({"body": _("La note est vide.")})
    note = InternalNote.objects.create(report=fresh, author=acting_user, body=body.strip())
    journal.record_event(
        "safeguarding.note_added",
        organisation=fresh.organisation_id,
        acting_user=acting_user,
        obj=fresh,
    )
    return note


@transaction.atomic
def message_reporter(report: Report, *, body: str, acting_user: User) -> ReporterMessage:
    """A message the reporter reads with their follow-up code."""
    fresh = _locked(report)
    _check_open(fresh)
    if not body.strip():
        raise ValidationError({"body": _("Le message est vide.")})
    message = ReporterMessage.objects.create(
        report=fresh, author_kind=Author.HANDLER, author=acting_user, body=body.strip()
    )
    journal.record_event(
        "safeguarding.message_sent",
        organisation=fresh.organisation_id,
        acting_user=acting_user,
        obj=fresh,
    )
    return message


@transaction.atomic
def add_information(report: Report, *, body: str) -> ReporterMessage:
    """The reporter adds information through their follow-up code (no account, no actor)."""
    fresh = _locked(report)
    if fresh.status == Status.CLOSED:
        raise ValidationError(
            _(
                "Ce signalement est clos. Pour une nouvelle situation, faites un nouveau "
                "signalement."
            )
        )
    if not body.strip():
        raise ValidationError({"body": _("Le message est vide.")})
    message = ReporterMessage.objects.create(
        report=fresh, author_kind=Author.REPORTER, body=body.strip()
    )
    journal.record_event(
        "safeguarding.information_added",
        organisation=fresh.organisation_id,
        acting_user=None,
        obj=fresh,
        label=REPORTER_LABEL,
    )
    _notify_handlers(
        fresh,
        _("Nouvelle information sur un signalement"),
        _("Une information a été ajoutée au %(report)s.") % {"report": fresh},
    )
    return message


# The prevention procedure


def current_procedure(organisation: Organisation) -> PreventionProcedure:
    """The version in force (the text shipped with Parcours is version 1)."""
    latest = PreventionProcedure.objects.filter(organisation=organisation).first()
    if latest is not None:
        return latest
    return ensure_default_procedure(organisation)


@transaction.atomic
def ensure_default_procedure(organisation: Organisation) -> PreventionProcedure:
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    latest = PreventionProcedure.objects.filter(organisation=organisation).first()
    if latest is not None:
        return latest
    return create_record(
        PreventionProcedure,
        acting_user=None,
        journal_label=_("texte fourni par Parcours"),
        verb="safeguarding.procedure_published",
        organisation=organisation,
        number=1,
        title=str(defaults.TITLE),
        body=str(defaults.BODY),
        change_note=_("Texte initial fourni par Parcours."),
        edited_by_label=_("Parcours (texte par défaut)"),
    )


@transaction.atomic
def publish_procedure(
    organisation: Organisation,
    *,
    title: str,
    body: str,
    change_note: str,
    acting_user: User,
) -> PreventionProcedure:
    """A new version of the procedure, in force at once; the previous ones are kept."""
    current = ensure_default_procedure(organisation)
    if current.title == title.strip() and current.body.strip() == body.strip():
        raise ValidationError(_("Le texte n'a pas changé : aucune nouvelle version."))
    if not change_note.strip():
        raise ValidationError({"change_note": _("Indiquez la nature des modifications.")})
    return create_record(
        PreventionProcedure,
        acting_user=acting_user,
        verb="safeguarding.procedure_published",
        organisation=organisation,
        number=current.number + 1,
        title=title.strip(),
        body=body.strip(),
        change_note=change_note.strip(),
        edited_by=acting_user,
        edited_by_label=str(acting_user)[:200],
    )


def organisation_created(organisation: Organisation, acting_user: User | None) -> None:
    """A new organisation publishes the default prevention procedure at once."""
    ensure_default_procedure(organisation)
