"""Dropouts: the end of a learner's training, with its reason."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import TenantModel
from parcours.core.models import User
from parcours.learners.models import Enrolment

from .cases import FollowupCase


class DropoutReason(models.TextChoices):
    PERSONAL = "personnelle", _("Raison personnelle")
    HEALTH = "sante", _("Santé")
    FINANCIAL = "financiere", _("Raison financière")
    NEW_JOB = "nouvel_emploi", _("Nouvel emploi")
    MISDIRECTION = "orientation", _("Erreur d'orientation")
    PEDAGOGICAL = "pedagogique", _("Raison pédagogique")
    CONTRACT_BREAK = "rupture_contrat", _("Rupture du contrat d'apprentissage")
    MOVE = "demenagement", _("Déménagement")
    UNKNOWN = "inconnue", _("Inconnue")
    OTHER = "autre", _("Autre")


class Dropout(TenantModel):
    """Why and when an enrolment ended in a dropout, what was tried, the exit interview."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="dropout", verbose_name=_("inscription")
    )
    on = models.DateField(_("date de l'abandon"))
    reason = models.CharField(_("motif"), max_length=16, choices=DropoutReason.choices)
    detail = models.TextField(_("précisions"), blank=True)
    actions_before = models.TextField(_("actions menées avant l'abandon"), blank=True)
    exit_interview_on = models.DateField(_("entretien de sortie le"), null=True, blank=True)
    exit_interview_summary = models.TextField(_("synthèse de l'entretien de sortie"), blank=True)
    case = models.ForeignKey(
        FollowupCase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier de suivi"),
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("abandon")
        verbose_name_plural = _("abandons")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return _("Abandon du %(on)s (%(reason)s)") % {
            "on": self.on.strftime("%d/%m/%Y"),
            "reason": self.get_reason_display(),
        }
