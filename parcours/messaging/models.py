from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import CreatedModel, TenantModel
from parcours.core.models import User
from parcours.learners.models import Enrolment
from parcours.messaging import merge


class MessageTemplate(TenantModel, CreatedModel):
    """A French email model of the organisation, with merge fields (`{{ apprenant.prenom }}`)."""

    key = models.SlugField(
        _("clé"),
        max_length=60,
        help_text=_("Identifiant technique, utilisé par les procédures (ex. relance_absences)."),
    )
    name = models.CharField(_("nom"), max_length=120)
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("texte"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("modèle de message")
        verbose_name_plural = _("modèles de message")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"],
                name="message_template_key_per_org",
                violation_error_message=_("Un modèle porte déjà cette clé."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("messaging:template_preview", args=[self.pk])

    def clean(self) -> None:
        self.body = self.body.replace("\r\n", "\n")  # as browsers send a textarea
        errors: dict[str, list[ValidationError]] = {}
        for name in ("subject", "body"):
            try:
                merge.check(getattr(self, name))
            except ValidationError as error:
                errors[name] = error.error_list
        if errors:
            raise ValidationError(errors)


class MessageStatus(models.TextChoices):
    EN_ATTENTE = "en_attente", _("En attente")
    ENVOI = "envoi", _("Envoi en cours")
    ENVOYE = "envoye", _("Envoyé")
    ECHEC = "echec", _("Échec")
    A_VERIFIER = "a_verifier", _("À vérifier")


# Statuses from which a member of staff may send a message again.
RESENDABLE = {MessageStatus.ECHEC, MessageStatus.A_VERIFIER}


class Message(TenantModel):
    """One email in the outbox: what was (or will be) sent, to whom, and how it went."""

    # Indexed by (organisation, status, created_at) for the outbox.
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("inscription"),
    )
    template_key = models.CharField(_("modèle"), max_length=60, blank=True)
    from_email = models.CharField(_("expéditeur"), max_length=254)
    to = models.EmailField(_("destinataire"))
    subject = models.CharField(_("objet"), max_length=250)
    body = models.TextField(_("texte"))
    related_key = models.CharField(_("rattachement"), max_length=120, blank=True, db_index=True)
    dedupe_key = models.CharField(max_length=120, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.EN_ATTENTE
    )
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    max_attempts = models.PositiveIntegerField(_("tentatives au plus"), default=12)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="message_dedupe_key_per_org",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "created_at"]),
            models.Index(fields=["status", "claimed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    def get_absolute_url(self) -> str:
        return reverse("messaging:message_detail", args=[self.pk])

    @property
    def can_resend(self) -> bool:
        return self.status in RESENDABLE


class Attachment(models.Model):
    """A file sent with a message (an .ics invitation, a PDF...), kept with it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("nom du fichier"), max_length=200)
    mimetype = models.CharField(_("type"), max_length=100)
    content = models.BinaryField(_("contenu"))

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename

    @property
    def size(self) -> int:
        return len(self.content)


class AttemptOutcome(models.TextChoices):
    EN_COURS = "en_cours", _("En cours")
    ENVOYE = "envoye", _("Remis au serveur d'envoi")
    ERREUR = "erreur", _("Erreur")
    A_VERIFIER = "a_verifier", _("Issue inconnue")


class DeliveryAttempt(models.Model):
    """One try at handing a message to the SMTP server: the history shown in the outbox."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="delivery_attempts")
    number = models.PositiveIntegerField(_("tentative n°"))
    worker = models.CharField(_("processus"), max_length=120, blank=True)
    started_at = models.DateTimeField(_("début"))
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    outcome = models.CharField(
        _("issue"), max_length=12, choices=AttemptOutcome.choices, default=AttemptOutcome.EN_COURS
    )
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("tentative d'envoi")
        verbose_name_plural = _("tentatives d'envoi")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="one_attempt_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number}"
