"""Safeguarding (RNQ V10, indicator 12): reports of violence, harassment or
discrimination during training, their handling, and the published prevention procedure.

Only the organisation's designated handlers (référents) ever read a report. Everyone
else, direction and auditor included, sees at most anonymised figures (the register).
A report's reporter is linked to it only when they chose to give their name; an
anonymous report stores no link at all. The reporter follows their report with a
random code, of which only the SHA-256 digest is kept.
"""

import datetime as dt

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AttestedMeasure, CreatedModel, TenantModel
from parcours.core.models import Organisation, User
from parcours.learners.models import Learner


class SafeguardingHandler(TenantModel):
    """A member of staff designated by direction to receive and handle reports."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="safeguarding_handlers"
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("référent")
    )
    designated_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("désigné par"),
    )
    designated_at = models.DateTimeField(_("désigné le"), default=timezone.now)
    active = models.BooleanField(_("actif"), default=True)
    ended_at = models.DateTimeField(_("fin de la désignation"), null=True, blank=True)

    class Meta:
        verbose_name = _("référent violences et harcèlement")
        verbose_name_plural = _("référents violences et harcèlement")
        ordering = ["-active", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="safeguarding_one_handler_per_user"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class ReportKind(models.TextChoices):
    VIOLENCE = "violence", _("Violence (y compris sexiste ou sexuelle)")
    MORAL_HARASSMENT = "harcelement_moral", _("Harcèlement moral")
    SEXUAL_HARASSMENT = "harcelement_sexuel", _("Harcèlement sexuel")
    DISCRIMINATION = "discrimination", _("Discrimination")
    OTHER = "autre", _("Autre")


class Place(models.TextChoices):
    TRAINING = "formation", _("En formation (locaux ou séance)")
    COMPANY = "entreprise", _("En entreprise")
    ONLINE = "en_ligne", _("En ligne")
    OTHER = "autre", _("Ailleurs")


class ReporterRole(models.TextChoices):
    VICTIM = "victime", _("Je suis la personne concernée (victime)")
    WITNESS = "temoin", _("Je suis témoin")


class Channel(models.TextChoices):
    PORTAL = "espace", _("Espace apprenant")
    PUBLIC = "lien_public", _("Lien public")


class Status(models.TextChoices):
    RECEIVED = "recu", _("Reçu")
    ACKNOWLEDGED = "accuse", _("Accusé de réception")
    INVESTIGATED = "examen", _("En cours d'examen")
    MEASURES = "mesures", _("Mesures prises")
    CLOSED = "clos", _("Clos")


# The only way forward, one step at a time: nothing is skipped, nothing goes back.
NEXT_STATUS: dict[str, str] = {
    Status.RECEIVED: Status.ACKNOWLEDGED,
    Status.ACKNOWLEDGED: Status.INVESTIGATED,
    Status.INVESTIGATED: Status.MEASURES,
    Status.MEASURES: Status.CLOSED,
}
# The procedure's commitment: every report is acknowledged within 48 hours.
ACKNOWLEDGEMENT_HOURS = 48


class Report(TenantModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="safeguarding_reports"
    )
    number = models.PositiveIntegerField(_("numéro"))
    channel = models.CharField(_("canal"), max_length=12, choices=Channel.choices)
    kind = models.CharField(_("nature des faits"), max_length=20, choices=ReportKind.choices)
    description = models.TextField(_("ce qui s'est passé"))
    occurred_on = models.DateField(_("date des faits"), null=True, blank=True)
    occurred_when = models.CharField(
        _("période ou précisions sur la date"), max_length=200, blank=True
    )
    place = models.CharField(_("lieu"), max_length=12, choices=Place.choices)
    people_involved = models.TextField(_("personnes impliquées"), blank=True)
    reporter_role = models.CharField(
        _("la personne qui signale est"), max_length=10, choices=ReporterRole.choices
    )
    anonymous = models.BooleanField(_("anonyme"), default=True)
    # Set only when the reporter chose to give their name (never for an anonymous report).
    reporter_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter_learner = models.ForeignKey(
        Learner, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(_("nom"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    code_digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("accusé de réception le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="safeguarding_report_number_per_org"
            )
        ]

    def __str__(self) -> str:
        # Neutral on purpose: this is what the journal shows.
        return _("Signalement n° %(number)d") % {"number": self.number}

    def get_absolute_url(self) -> str:
        return reverse("safeguarding:report_detail", args=[self.pk])

    @property
    def next_status(self) -> str | None:
        return NEXT_STATUS.get(self.status)

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def acknowledgement_due_at(self) -> dt.datetime:
        return self.received_at + dt.timedelta(hours=ACKNOWLEDGEMENT_HOURS)

    def acknowledgement_overdue(self, now: dt.datetime) -> bool:
        return self.acknowledged_at is None and now > self.acknowledgement_due_at

    @property
    def reporter_label(self) -> str:
        """Who reported, for handlers only."""
        if self.anonymous and not self.contact_name:
            return str(_("Anonyme"))
        if self.reporter_learner is not None:
            return self.reporter_learner.full_name
        if self.reporter_user is not None:
            return str(self.reporter_user)
        return self.contact_name


class Transition(models.Model):
    """One dated step of a report's handling: from, to, by whom, with a note."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=Status.choices)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.TextField(_("note"))

    class Meta:
        verbose_name = _("étape du traitement")
        verbose_name_plural = _("étapes du traitement")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} : {self.get_to_status_display()}"


class MeasureKind(models.TextChoices):
    PROTECTION = "protection", _("Mesure de protection")
    SANCTION = "sanction", _("Sanction")
    AUTHORITIES = "autorites", _("Signalement aux autorités")
    SUPPORT = "accompagnement", _("Accompagnement proposé")
    OTHER = "autre", _("Autre mesure")


class Measure(AttestedMeasure):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("type de mesure"), max_length=20, choices=MeasureKind.choices)
    description = models.TextField(_("description"))
    decided_on = models.DateField(_("décidée le"))
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        ordering = ["decided_on", "pk"]

    def __str__(self) -> str:
        return f"{self.report} : {self.get_kind_display()}"


class InternalNote(CreatedModel):
    """The handlers' own thread on a report: never shown to the reporter."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("note"))

    class Meta:
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} : note {self.pk}"


class Author(models.TextChoices):
    HANDLER = "referent", _("Référent")
    REPORTER = "declarant", _("Personne qui signale")


class ReporterMessage(CreatedModel):
    """The exchange with the reporter, read through their follow-up code."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=10, choices=Author.choices)
    # The handler who wrote it (never set for the reporter's own messages).
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} : message {self.pk}"

    @property
    def from_reporter(self) -> bool:
        return self.author_kind == Author.REPORTER


class PreventionProcedure(TenantModel):
    """One version of the published prevention procedure (the latest is in force)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="safeguarding_procedures"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("intitulé"), max_length=250)
    body = models.TextField(
        _("texte"),
        help_text=_(
            "Un paragraphe par bloc séparé d'une ligne vide ; « ## » en début de bloc pour "
            "un titre, « - » en début de ligne pour une liste."
        ),
    )
    change_note = models.CharField(_("nature des modifications"), max_length=300, blank=True)
    edited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_by_label = models.CharField(_("rédigée par"), max_length=200, blank=True)
    edited_at = models.DateTimeField(_("rédigée le"), default=timezone.now)

    class Meta:
        verbose_name = _("version de la procédure de prévention des violences")
        verbose_name_plural = _("versions de la procédure de prévention des violences")
        ordering = ["organisation", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="safeguarding_procedure_number_per_org"
            )
        ]

    def __str__(self) -> str:
        return _("Version %(number)d") % {"number": self.number}
