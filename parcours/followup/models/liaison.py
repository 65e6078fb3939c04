"""The liaison sheet exchanged with the company tutor."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import TenantModel
from parcours.learners.models import Enrolment

from .cases import FollowupCase


class CompanyAttendance(models.TextChoices):
    REGULAR = "assidu", _("Assidu(e), ponctuel(le)")
    SOME = "quelques_absences", _("Quelques absences ou retards")
    FREQUENT = "absences_frequentes", _("Absences ou retards fréquents")


class Rating(models.TextChoices):
    GOOD = "satisfaisant", _("Satisfaisant")
    FAIR = "a_ameliorer", _("À améliorer")
    POOR = "insuffisant", _("Insuffisant")


class LiaisonSheet(TenantModel):
    """What the company tutor reports about their apprentice, through their personal link."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="liaison_sheets"
    )
    tutor = models.ForeignKey(
        "learners.Tutor", on_delete=models.PROTECT, related_name="+", verbose_name=_("tuteur")
    )
    company_attendance = models.CharField(
        _("assiduité en entreprise"), max_length=20, choices=CompanyAttendance.choices
    )
    attitude = models.CharField(_("savoir-être"), max_length=14, choices=Rating.choices)
    skills_progress = models.TextField(_("progression des compétences"))
    difficulties = models.TextField(_("difficultés rencontrées"), blank=True)
    alert = models.BooleanField(
        _("je souhaite être contacté(e) / situation préoccupante"), default=False
    )
    comments = models.TextField(_("commentaires"), blank=True)
    case = models.ForeignKey(
        FollowupCase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="liaison_sheets",
        verbose_name=_("dossier de suivi"),
    )
    submitted_at = models.DateTimeField(_("transmise le"), default=timezone.now)

    class Meta:
        verbose_name = _("fiche de liaison")
        verbose_name_plural = _("fiches de liaison")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return _("Fiche de liaison du %(at)s") % {
            "at": timezone.localtime(self.submitted_at).strftime("%d/%m/%Y")
        }


# Dropouts
