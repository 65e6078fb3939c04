"""The procedure: its versions, triggers and steps (what the provider promises to do)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import CreatedModel, TenantModel
from parcours.core.models import Organisation, Role, User


class RiskLevel(models.TextChoices):
    # The engagement app's levels (parcours.engagement.models.Level), repeated here so
    # that a procedure can be written before any score exists.
    MOYEN = "moyen", _("Moyen")
    ELEVE = "eleve", _("Élevé")


RISK_ORDER = {"faible": 0, "moyen": 1, "eleve": 2}


class Procedure(TenantModel, CreatedModel):
    """The organisation's dropout-prevention procedure: one per organisation."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="followup_procedure"
    )
    title = models.CharField(
        _("intitulé"),
        max_length=200,
        default="Procédure de prévention des ruptures de parcours et de relance systématique",
    )

    class Meta:
        verbose_name = _("procédure de prévention des abandons")
        verbose_name_plural = _("procédures de prévention des abandons")

    def __str__(self) -> str:
        return str(self.title)


class VersionStatus(models.TextChoices):
    DRAFT = "brouillon", _("Brouillon")
    PUBLISHED = "publiee", _("Publiée")
    ARCHIVED = "archivee", _("Archivée")


class ProcedureVersion(TenantModel):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("statut"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    change_note = models.TextField(_("nature des modifications"), blank=True)
    edited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rédigée par"),
    )
    edited_at = models.DateTimeField(_("rédigée le"), default=timezone.now)
    validated_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validée par"),
    )
    # Who validated, as written at the time (a default version is validated by no one).
    validated_by_label = models.CharField(_("validée par"), max_length=200, blank=True)
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("version de la procédure")
        verbose_name_plural = _("versions de la procédure")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="followup_version_number_per_procedure"
            ),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="publiee"),
                name="followup_one_published_version",
            ),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="brouillon"),
                name="followup_one_draft_version",
            ),
        ]

    def __str__(self) -> str:
        return _("Version %(number)d (%(status)s)") % {
            "number": self.number,
            "status": self.get_status_display(),
        }

    def get_absolute_url(self) -> str:
        return reverse("followup:version_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class TriggerKind(models.TextChoices):
    RISK = "risque", _("Niveau de risque de décrochage atteint")
    ABSENCES = "absences", _("Absences consécutives non justifiées")
    INACTIVITY = "inactivite", _("Inactivité sur la plateforme de formation")
    MISSED_ASSESSMENT = "evaluation", _("Évaluation non rendue")
    TUTOR_ALERT = "tuteur", _("Alerte du tuteur ou de l'entreprise")
    LEARNER_REQUEST = "demande", _("Demande de l'apprenant")
    THINKING_OF_STOPPING = "arret", _("L'apprenant envisage d'arrêter (point d'étape)")
    # (opened from feedback's triage: a person turned a questionnaire answer into a case)
    FEEDBACK = "appreciation", _("Réponse à un questionnaire (tri par l'équipe)")
    MANUAL = "manuel", _("Ouverture manuelle par l'équipe")


# Triggers the nightly scan evaluates; the others are opened by hand.
AUTOMATIC_KINDS = {
    TriggerKind.RISK,
    TriggerKind.ABSENCES,
    TriggerKind.INACTIVITY,
    TriggerKind.MISSED_ASSESSMENT,
    TriggerKind.THINKING_OF_STOPPING,
}
MANUAL_KINDS = {TriggerKind.MANUAL, TriggerKind.LEARNER_REQUEST, TriggerKind.TUTOR_ALERT}


class Trigger(TenantModel):
    """What opens a follow-up case, in one version of the procedure."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="triggers")
    order = models.PositiveSmallIntegerField(_("ordre"), default=1)
    kind = models.CharField(_("déclencheur"), max_length=12, choices=TriggerKind.choices)
    risk_level = models.CharField(
        _("niveau de risque"), max_length=6, choices=RiskLevel.choices, blank=True
    )
    threshold = models.PositiveSmallIntegerField(
        _("seuil"),
        null=True,
        blank=True,
        help_text=_("Nombre d'absences consécutives, ou nombre de jours sans activité."),
    )

    class Meta:
        verbose_name = _("déclencheur")
        verbose_name_plural = _("déclencheurs")
        ordering = ["version", "order", "pk"]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        if self.kind == TriggerKind.RISK and not self.risk_level:
            raise ValidationError({"risk_level": _("Indiquez le niveau de risque qui déclenche.")})
        if self.kind in {TriggerKind.ABSENCES, TriggerKind.INACTIVITY} and not self.threshold:
            raise ValidationError({"threshold": _("Indiquez le seuil (au moins 1).")})
        if self.kind not in {TriggerKind.ABSENCES, TriggerKind.INACTIVITY}:
            self.threshold = None
        if self.kind != TriggerKind.RISK:
            self.risk_level = ""

    @property
    def description(self) -> str:
        if self.kind == TriggerKind.RISK:
            return _("Risque de décrochage « %(level)s » atteint") % {
                "level": self.get_risk_level_display()
            }
        if self.kind == TriggerKind.ABSENCES:
            return _("%(n)d absences consécutives non justifiées") % {"n": self.threshold or 0}
        if self.kind == TriggerKind.INACTIVITY:
            return _("Aucune activité sur la plateforme depuis %(d)d jours") % {
                "d": self.threshold or 0
            }
        return str(self.get_kind_display())


class Action(models.TextChoices):
    EMAIL = "courriel", _("Courriel de relance")
    CALL = "appel", _("Appel téléphonique")
    INTERVIEW = "entretien", _("Entretien individuel")
    TUTOR_CONTACT = "tuteur", _("Contact avec le tuteur / l'entreprise")
    REVIEW = "bilan", _("Bilan intermédiaire")
    REFERRAL = "orientation", _("Orientation vers un accompagnement spécifique")
    ADAPTATION = "adaptation", _("Revue des adaptations du parcours")


class ProcedureStep(TenantModel):
    """One planned action of a trigger: what, by whom, within how many days."""

    trigger = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("ordre"), default=1)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    label = models.CharField(_("intitulé"), max_length=200, blank=True)
    template_key = models.CharField(
        _("modèle de courriel"),
        max_length=60,
        blank=True,
        help_text=_("Pour un courriel : la clé du modèle (par ex. relance_absences)."),
    )
    due_after_days = models.PositiveSmallIntegerField(
        _("délai (jours après le déclenchement)"), default=0
    )
    responsible_role = models.CharField(
        _("responsable"), max_length=20, choices=Role.choices, default=Role.SUIVI
    )
    mandatory = models.BooleanField(_("obligatoire"), default=True)
    apprentices_only = models.BooleanField(_("apprentis seulement"), default=False)
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalade après (jours de retard)"), null=True, blank=True
    )
    escalate_to_role = models.CharField(
        _("escalade vers"), max_length=20, choices=Role.choices, blank=True
    )

    class Meta:
        verbose_name = _("étape prévue")
        verbose_name_plural = _("étapes prévues")
        ordering = ["trigger", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.action == Action.EMAIL and not self.template_key:
            errors["template_key"] = _("Un courriel de relance a besoin d'un modèle.")
        if self.escalate_to_role and self.escalate_after_days is None:
            errors["escalate_after_days"] = _("Indiquez après combien de jours de retard.")
        if self.escalate_after_days is not None and not self.escalate_to_role:
            errors["escalate_to_role"] = _("Indiquez vers qui escalader.")
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        return self.label or str(self.get_action_display())
