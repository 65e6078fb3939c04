"""The quality risk register (V10 I32: "une analyse des risques sur la qualité des
formations délivrées"): each risk scored likelihood × impact on 1-4 scales, its existing
controls, its treatment actions and its residual score; and the yearly review of the
register.

The scale (stated on the register page): criticality = likelihood × impact, from 1 to
16; faible 1-3, moyen 4-6, élevé 8-9, critique 12-16. An élevé or critique risk with no
treatment (no linked action that is not abandoned) is flagged.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AuthoredModel, TenantModel

SCALE = [MinValueValidator(1), MaxValueValidator(4)]
# A register reviewed less recently than this is late ("revue annuelle en retard").
YEARLY_REVIEW_DAYS = 365


class RiskCategory(models.TextChoices):
    TRAINERS = "intervenants", _("Intervenants et formateurs")
    DIGITAL = "numerique", _("Outils numériques et plateforme")
    PEDAGOGY = "pedagogie", _("Pédagogie et groupes")
    APPRENTICESHIP = "alternance", _("Apprentissage et alternance")
    ACCESSIBILITY = "accessibilite", _("Handicap et accessibilité")
    FUNDING = "financement", _("Financeurs et financement")
    FEEDBACK = "appreciations", _("Recueil des appréciations")
    COMPLAINTS = "reclamations", _("Traitement des réclamations")
    DROPOUT = "abandons", _("Décrochage et abandons")
    ORGANISATION = "organisation", _("Organisation et logistique")


class RiskLevel(models.TextChoices):
    LOW = "faible", _("Faible")
    MEDIUM = "moyen", _("Moyen")
    HIGH = "eleve", _("Élevé")
    CRITICAL = "critique", _("Critique")


# The upper bound of each level's scores (criticality = likelihood × impact, 1 to 16).
LEVEL_BOUNDS = ((3, RiskLevel.LOW), (6, RiskLevel.MEDIUM), (9, RiskLevel.HIGH))
FLAGGED_LEVELS = (RiskLevel.HIGH, RiskLevel.CRITICAL)


def level_of(score: int | None) -> str | None:
    if score is None:
        return None
    for bound, level in LEVEL_BOUNDS:
        if score <= bound:
            return level
    return RiskLevel.CRITICAL


class Risk(TenantModel, AuthoredModel):
    # The default set's key, for the risks the organisation started with (blank otherwise).
    key = models.SlugField(_("clé"), max_length=60, blank=True)
    title = models.CharField(_("risque"), max_length=200)
    category = models.CharField(_("catégorie"), max_length=20, choices=RiskCategory.choices)
    description = models.TextField(_("description"), blank=True)
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("formation"),
    )
    likelihood = models.PositiveSmallIntegerField(_("probabilité (1 à 4)"), validators=SCALE)
    impact = models.PositiveSmallIntegerField(_("impact (1 à 4)"), validators=SCALE)
    controls = models.TextField(_("moyens de maîtrise existants"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
    )
    review_on = models.DateField(_("prochaine revue le"), null=True, blank=True)
    treatments = models.ManyToManyField(
        "improvement.Action",
        blank=True,
        related_name="risks",
        verbose_name=_("actions de traitement"),
    )
    residual_likelihood = models.PositiveSmallIntegerField(
        _("probabilité résiduelle (1 à 4)"), null=True, blank=True, validators=SCALE
    )
    residual_impact = models.PositiveSmallIntegerField(
        _("impact résiduel (1 à 4)"), null=True, blank=True, validators=SCALE
    )
    archived = models.BooleanField(_("archivé"), default=False)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("risque qualité")
        verbose_name_plural = _("risques qualité")
        indexes = [models.Index(fields=["organisation", "archived"])]

    def __str__(self) -> str:
        return self.title

    @property
    def criticality(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> str:
        return level_of(self.criticality) or RiskLevel.LOW

    def get_level_display(self) -> str:
        return str(RiskLevel(self.level).label)

    @property
    def residual_score(self) -> int | None:
        if self.residual_likelihood is None or self.residual_impact is None:
            return None
        return self.residual_likelihood * self.residual_impact

    @property
    def residual_level(self) -> str | None:
        return level_of(self.residual_score)

    def live_treatments(self) -> list:
        """The linked actions that are not abandoned (reads the prefetched treatments)."""
        from parcours.improvement.models import ActionState

        return [a for a in self.treatments.all() if a.state != ActionState.ABANDONED]

    @property
    def untreated(self) -> bool:
        """Élevé or critique, and no treatment action that is not abandoned: flagged."""
        return self.level in FLAGGED_LEVELS and not self.live_treatments()

    def review_late(self, as_of: dt.date) -> bool:
        return self.review_on is not None and self.review_on < as_of


class RiskReview(TenantModel, AuthoredModel):
    """The yearly review of the register: when, by whom, what was concluded, which risks."""

    held_on = models.DateField(_("revue du"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revue par"),
    )
    reviewer_label = models.CharField(_("revue par (nom)"), max_length=200, blank=True)
    note = models.TextField(_("conclusions"))
    risks = models.ManyToManyField(Risk, related_name="reviews", verbose_name=_("risques revus"))

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("revue du registre des risques")
        verbose_name_plural = _("revues du registre des risques")

    def __str__(self) -> str:
        return str(_("Revue du registre des risques du %(date)s")) % {
            "date": self.held_on.strftime("%d/%m/%Y")
        }
