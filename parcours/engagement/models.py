"""Dropout risk: calibrated models, per-programme level thresholds, and stored scores.

A score is always "as of" a date and computed from facts dated on or before it (see
`signals.py`); each stored score names the model version that produced it (0 is the
documented default weights, used until the organisation calibrates its own).
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.activity.models import Assessment
from parcours.core.bases import AuthoredModel, TenantModel
from parcours.core.models import Organisation
from parcours.learners.models import Enrolment
from parcours.programmes.models import Programme

DEFAULT_MODEL_VERSION = 0
DEFAULT_MEDIUM = 0.35
DEFAULT_HIGH = 0.6


class Level(models.TextChoices):
    FAIBLE = "faible", _("Faible")
    MOYEN = "moyen", _("Moyen")
    ELEVE = "eleve", _("Élevé")


class RiskModel(TenantModel, AuthoredModel):
    """A set of weights learnt by `parcours risk calibrate` from finished enrolments."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="risk_models"
    )
    version = models.PositiveIntegerField(_("version"))
    method = models.CharField(_("méthode"), max_length=40)
    trained_until = models.DateField(_("appris sur les parcours terminés avant le"))
    # The signals the model reads, and for each its weight on the standardised value
    # ((x - mean) / scale); a signal added later and absent here weighs nothing.
    coefficients = models.JSONField(_("poids"))
    intercept = models.FloatField(_("constante"))
    means = models.JSONField()
    scales = models.JSONField()
    metrics = models.JSONField(_("mesures"), default=dict)
    is_active = models.BooleanField(_("en service"), default=True)
    created_at = models.DateTimeField(_("calibré le"), default=timezone.now)

    class Meta:
        verbose_name = _("modèle de risque")
        verbose_name_plural = _("modèles de risque")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version"], name="risk_model_version_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.trained_until:%d/%m/%Y})"


class RiskThreshold(TenantModel):
    """Where moyen and élevé start, for one programme (or, with no programme, by default)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="risk_thresholds"
    )
    programme = models.OneToOneField(
        Programme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_threshold",
        verbose_name=_("formation"),
    )
    medium = models.FloatField(_("seuil « moyen »"), default=DEFAULT_MEDIUM)
    high = models.FloatField(_("seuil « élevé »"), default=DEFAULT_HIGH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("seuils de risque")
        verbose_name_plural = _("seuils de risque")
        constraints = [
            models.CheckConstraint(
                condition=Q(medium__gt=0) & Q(high__gt=F("medium")) & Q(high__lt=1),
                name="risk_thresholds_ordered",
                violation_error_message=_(
                    "Les seuils doivent vérifier 0 < seuil moyen < seuil élevé < 1."
                ),
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(programme__isnull=True),
                name="one_default_threshold_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.medium:.2f} / {self.high:.2f}"


class RiskScore(TenantModel):
    """An enrolment's risk as of one date, as the nightly scoring (or a replay) stored it."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="risk_scores", db_index=False
    )
    as_of = models.DateField(_("au"))
    score = models.FloatField(_("score"))
    level = models.CharField(_("niveau"), max_length=6, choices=Level.choices)
    # The top contributing signals: [{"signal": key, "text": French sentence, "weight": float}].
    reasons = models.JSONField(_("raisons"), default=list)
    model_version = models.PositiveIntegerField(_("version du modèle"))
    computed_at = models.DateTimeField(_("calculé le"), default=timezone.now)
    # What the follow-up's triggers read (see `triggers.py`), kept with the scores so that
    # the daily scan reads the night's snapshot instead of computing the signals again.
    # Empty where the signal does not apply (no séance marked, no LMS, nothing owed).
    consecutive_unexcused = models.PositiveIntegerField(
        _("absences consécutives non justifiées"), null=True, blank=True
    )
    unexcused_run_start = models.DateField(_("première absence de la série"), null=True, blank=True)
    days_since_activity = models.PositiveIntegerField(
        _("jours sans activité"), null=True, blank=True
    )
    missed_assessments = models.PositiveIntegerField(
        _("évaluations non rendues"), null=True, blank=True
    )
    # A derived record: no constraint or index to keep up, thousands of rows a night.
    missed_assessment = models.ForeignKey(
        Assessment,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("dernière évaluation non rendue"),
    )

    class Meta:
        verbose_name = _("score de risque")
        verbose_name_plural = _("scores de risque")
        ordering = ["enrolment", "as_of"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "as_of"], name="one_score_per_day")
        ]
        indexes = [models.Index(fields=["organisation", "as_of", "level"])]

    def __str__(self) -> str:
        return f"{self.enrolment_id} · {self.as_of} · {self.score:.2f}"
