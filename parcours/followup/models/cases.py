"""Cases: one learner's episode under the procedure, its signals and its steps."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import TenantModel
from parcours.core.models import Organisation, Role, User
from parcours.learners.models import Enrolment

from .procedure import Action, ProcedureVersion, Trigger, TriggerKind


class CaseStatus(models.TextChoices):
    OPEN = "ouvert", _("Ouvert")
    CLOSED = "clos", _("Clos")


class Outcome(models.TextChoices):
    REENGAGED = "reengage", _("Réengagé dans son parcours")
    ADAPTED = "parcours_adapte", _("Parcours adapté")
    PAUSED = "suspendu", _("Parcours suspendu")
    DROPOUT = "abandon", _("Abandon")


class FollowupCase(TenantModel):
    """A dossier de suivi: one occurrence of a trigger for one enrolment, and its steps."""

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="followup_cases",
        verbose_name=_("inscription"),
    )
    trigger_kind = models.CharField(_("déclencheur"), max_length=12, choices=TriggerKind.choices)
    trigger = models.ForeignKey(
        Trigger, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    # Identifies the occurrence: the same episode never opens a second case.
    episode_key = models.CharField(_("épisode"), max_length=80)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("version de la procédure"),
    )
    opened_at = models.DateTimeField(_("ouvert le"), default=timezone.now)
    opened_on = models.DateField(_("date de déclenchement"))
    opened_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ouvert par"),
    )
    assigned_to = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup_cases",
        verbose_name=_("chargé du dossier"),
    )
    status = models.CharField(
        _("statut"), max_length=6, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    outcome = models.CharField(_("issue"), max_length=16, choices=Outcome.choices, blank=True)
    closing_note = models.TextField(_("conclusion"), blank=True)
    forced_reason = models.TextField(_("motif de clôture avec étapes ouvertes"), blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clos par"),
    )
    # A duplicate open case of the same enrolment, merged into the one kept.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_cases",
        verbose_name=_("fusionné dans"),
    )

    class Meta:
        verbose_name = _("dossier de suivi")
        verbose_name_plural = _("dossiers de suivi")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "trigger_kind", "episode_key"],
                name="followup_one_case_per_episode",
            ),
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(status="ouvert"),
                name="followup_one_open_case_per_enrolment",
                violation_error_message=_(
                    "Un dossier de suivi est déjà ouvert pour cette inscription."
                ),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return _("Dossier n° %(pk)s · %(learner)s") % {
            "pk": self.pk,
            "learner": self.enrolment.learner.full_name,
        }

    def get_absolute_url(self) -> str:
        return reverse("followup:case_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class CaseSignal(models.Model):
    """A trigger that fired on an enrolment whose case was already open: it joined it.

    The case keeps its first trigger (`trigger_kind`, `episode_key`); each later one is
    recorded here, once per episode, with the steps it added to the case.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    case = models.ForeignKey(FollowupCase, on_delete=models.CASCADE, related_name="signals")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    trigger_kind = models.CharField(_("déclencheur"), max_length=12, choices=TriggerKind.choices)
    trigger = models.ForeignKey(
        Trigger, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    episode_key = models.CharField(_("épisode"), max_length=80)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    detected_on = models.DateField(_("date de déclenchement"))
    recorded_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("signal rattaché au dossier")
        verbose_name_plural = _("signaux rattachés au dossier")
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "trigger_kind", "episode_key"],
                name="followup_one_signal_per_episode",
            )
        ]

    def __str__(self) -> str:
        return _("%(kind)s le %(on)s") % {
            "kind": self.get_trigger_kind_display(),
            "on": self.detected_on.strftime("%d/%m/%Y"),
        }


class StepStatus(models.TextChoices):
    TODO = "a_faire", _("À faire")
    DONE = "fait", _("Fait")
    CANCELLED = "annule", _("Annulé")


class CaseStep(TenantModel):
    """One action of a case, planned from the procedure, and what became of it."""

    case = models.ForeignKey(FollowupCase, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("ordre"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    label = models.CharField(_("intitulé"), max_length=200)
    template_key = models.CharField(_("modèle de courriel"), max_length=60, blank=True)
    due_on = models.DateField(_("échéance"))
    responsible_role = models.CharField(_("responsable"), max_length=20, choices=Role.choices)
    mandatory = models.BooleanField(_("obligatoire"), default=True)
    assigned_to = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup_steps",
        verbose_name=_("confiée à"),
    )
    status = models.CharField(
        _("statut"), max_length=8, choices=StepStatus.choices, default=StepStatus.TODO
    )
    done_at = models.DateTimeField(_("réalisée le"), null=True, blank=True)
    done_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réalisée par"),
    )
    note = models.TextField(_("compte rendu"), blank=True)
    escalate_on = models.DateField(_("escalade le"), null=True, blank=True)
    escalate_to_role = models.CharField(
        _("escalade vers"), max_length=20, choices=Role.choices, blank=True
    )
    escalated_at = models.DateTimeField(_("escaladée le"), null=True, blank=True)
    escalated_to_role = models.CharField(
        _("escaladée vers"), max_length=20, choices=Role.choices, blank=True
    )

    class Meta:
        verbose_name = _("étape du dossier")
        verbose_name_plural = _("étapes du dossier")
        ordering = ["case", "order", "pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "due_on"]),
            models.Index(fields=["assigned_to", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.due_on:%d/%m/%Y})"

    @property
    def related_key(self) -> str:
        """How the messaging app knows the messages this step sent."""
        return f"case-step:{self.pk}"

    @property
    def is_todo(self) -> bool:
        return self.status == StepStatus.TODO

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == StepStatus.TODO and self.due_on < today


# Interactions on a case: calls, meetings (with their report), other measures.
