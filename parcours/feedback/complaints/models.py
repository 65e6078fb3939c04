"""The register of complaints, incidents and difficulties (indicator 31).

An entry's deadlines are frozen when it is received (business days, French public
holidays excluded): changing the organisation's setting later does not move them. The
complainant follows the entry with a code of which only the digest is kept.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AuthoredModel, TenantModel


class Kind(models.TextChoices):
    RECLAMATION = "reclamation", _("Réclamation")
    ALEA = "alea", _("Aléa / incident")
    DIFFICULTE = "difficulte", _("Difficulté")


class EntryChannel(models.TextChoices):
    PORTAL = "portail", _("Espace apprenant")
    PUBLIC = "formulaire", _("Formulaire public")
    EMAIL = "courriel", _("Courriel")
    PHONE = "telephone", _("Téléphone")
    LETTER = "courrier", _("Courrier")
    SURVEY = "questionnaire", _("Tri d'une réponse à un questionnaire")


class Complainant(models.TextChoices):
    LEARNER = "apprenant", _("Apprenant")
    COMPANY = "entreprise", _("Entreprise")
    FUNDER = "financeur", _("Financeur")
    TRAINER = "formateur", _("Formateur")
    OTHER = "autre", _("Autre")


class Category(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    PEDAGOGIE = "pedagogie", _("Pédagogie")
    COMMUNICATION = "communication", _("Communication")
    LOGISTIQUE = "logistique", _("Logistique")
    ADMINISTRATIF = "administratif", _("Administratif")
    FINANCEMENT = "financement", _("Financement")
    ACCESSIBILITE = "accessibilite", _("Accessibilité")
    AUTRE = "autre", _("Autre")


class Severity(models.TextChoices):
    LOW = "faible", _("Faible")
    MEDIUM = "moyenne", _("Moyenne")
    HIGH = "elevee", _("Élevée")


class Status(models.TextChoices):
    RECEIVED = "recue", _("Reçue")
    ACKNOWLEDGED = "accusee", _("Accusée")
    ANALYSING = "analyse", _("En analyse")
    ANSWERED = "repondue", _("Répondue")
    CLOSED = "close", _("Close")
    DISMISSED = "sans_suite", _("Sans suite")


OPEN_STATUSES = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.ANALYSING)


class ComplaintSettings(TenantModel):
    """The organisation's deadlines, in business days (read when an entry is received)."""

    acknowledge_days = models.PositiveSmallIntegerField(
        _("délai d'accusé (jours ouvrés)"), default=2
    )
    answer_days = models.PositiveSmallIntegerField(_("délai de réponse (jours ouvrés)"), default=15)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="complaint_settings_one_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.acknowledge_days}/{self.answer_days}"


class Complaint(TenantModel, AuthoredModel):
    number = models.PositiveIntegerField(_("numéro"))
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("canal"), max_length=20, choices=EntryChannel.choices)
    received_at = models.DateTimeField(_("reçue le"))
    complainant = models.CharField(
        _("émetteur"), max_length=20, choices=Complainant.choices, default=Complainant.OTHER
    )
    anonymous = models.BooleanField(_("anonyme"), default=False)
    contact_name = models.CharField(_("nom"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel"), blank=True)
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tutor = models.ForeignKey(
        "learners.Tutor", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        "programmes.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("session"),
    )
    enrolment = models.ForeignKey(
        "learners.Enrolment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscription"),
    )
    subject = models.CharField(_("objet"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    category = models.CharField(
        _("catégorie"), max_length=20, choices=Category.choices, default=Category.AUTRE
    )
    severity = models.CharField(
        _("gravité"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    attachment = models.FileField(
        _("pièce jointe"), upload_to="reclamations/%Y/%m/", blank=True, max_length=200
    )
    code_digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("état"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    acknowledge_due = models.DateField(_("accusé attendu le"))
    answer_due = models.DateField(_("réponse attendue le"))
    acknowledged_at = models.DateTimeField(_("accusée le"), null=True, blank=True)
    unreachable = models.BooleanField(_("non joignable"), default=False)
    owner = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
    )
    cause = models.TextField(_("cause"), blank=True)
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    answer = models.TextField(_("réponse"), blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    complainant_view = models.TextField(_("avis de l'émetteur"), blank=True)
    dismissed_reason = models.TextField(_("motif du classement sans suite"), blank=True)
    # Until the improvement app exists, the action it calls for is recorded here.
    improvement_suggestion = models.TextField(_("action d'amélioration suggérée"), blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("entrée du registre des réclamations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="complaint_number_per_org"
            )
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="complaint_org_status")]

    def __str__(self) -> str:
        return f"R{self.number:04d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def acknowledged_on_time(self) -> bool | None:
        if self.acknowledged_at is None:
            return None
        return timezone.localtime(self.acknowledged_at).date() <= self.acknowledge_due

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return timezone.localtime(self.answered_at).date() <= self.answer_due


class ProcedureStatus(models.TextChoices):
    DRAFT = "brouillon", _("Brouillon")
    PUBLISHED = "publiee", _("Publiée")
    ARCHIVED = "archivee", _("Archivée")


PROCEDURE_TEXT_HELP = _(
    "Un paragraphe par bloc séparé d'une ligne vide ; « ## » en début de bloc pour un titre, "
    "« - » en début de ligne pour une liste. Repères remplacés à l'affichage : "
    "{delai_accuse}, {delai_reponse} (jours ouvrés, selon les délais de l'organisme), "
    "{formulaire} (formulaire public), {suivi} (suivi avec le code), {signalement} "
    "(signalement des violences), {organisme}."
)


class ComplaintProcedure(TenantModel):
    """One version of the complaints procedure: drafted by the référent qualité, validated
    (published) by the direction; the published version is in force, the previous ones are
    archived. It is the evidence that the channel exists, even when nobody complained.

    The text may hold placeholders (`{delai_accuse}`, `{delai_reponse}`, `{formulaire}`,
    `{suivi}`, `{signalement}`, `{organisme}`), filled when it is shown: the deadlines from
    the organisation's settings, the public addresses from the site's address.
    """

    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("statut"), max_length=10, choices=ProcedureStatus.choices, default=ProcedureStatus.DRAFT
    )
    title = models.CharField(_("intitulé"), max_length=250)
    body = models.TextField(
        _("texte"),
        max_length=20000,
        help_text=PROCEDURE_TEXT_HELP,
    )
    change_note = models.CharField(_("nature des modifications"), max_length=300, blank=True)
    edited_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rédigée par"),
    )
    edited_by_label = models.CharField(_("rédigée par"), max_length=200, blank=True)
    edited_at = models.DateTimeField(_("rédigée le"), default=timezone.now)
    validated_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validée par"),
    )
    # Who validated, as written at the time (the default version is validated by no one).
    validated_by_label = models.CharField(_("validée par"), max_length=200, blank=True)
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-number"]
        verbose_name = _("version de la procédure de traitement des réclamations")
        verbose_name_plural = _("versions de la procédure de traitement des réclamations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="complaint_procedure_number_per_org"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status="publiee"),
                name="complaint_procedure_one_published",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status="brouillon"),
                name="complaint_procedure_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return _("Version %(number)d (%(status)s)") % {
            "number": self.number,
            "status": self.get_status_display(),
        }

    @property
    def is_draft(self) -> bool:
        return self.status == ProcedureStatus.DRAFT
