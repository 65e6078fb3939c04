"""Improvement actions (indicator 32): where each comes from, who carries it, and how its
effect is measured.

An action's origin points at its source record by type and id (a survey item, a
complaint, a dropout cause, a mock-audit finding, a quality risk...), since those live in
apps on either side of this one. No action closes without an effectiveness check: a
measure, its value before, a target and a measuring date; the system computes its own
measures with the same function over the period before and the period after.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AuthoredModel, TenantModel


class Origin(models.TextChoices):
    SURVEY = "questionnaire", _("Résultat de questionnaire")
    COMPLAINT = "reclamation", _("Réclamation, aléa ou difficulté")
    DROPOUT = "abandon", _("Causes d'abandon")
    AUDIT = "audit", _("Constat d'audit blanc")
    RISK = "risque", _("Risque qualité")
    REVIEW = "revue", _("Décision de revue qualité")
    SUGGESTION = "suggestion", _("Suggestion")
    MANUAL = "manuelle", _("Saisie manuelle")


class ActionKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective")
    PREVENTIVE = "preventive", _("Préventive")
    IMPROVEMENT = "amelioration", _("Amélioration")


class Priority(models.TextChoices):
    LOW = "basse", _("Basse")
    NORMAL = "normale", _("Normale")
    HIGH = "haute", _("Haute")


class ActionState(models.TextChoices):
    PROPOSED = "proposee", _("Proposée")
    VALIDATED = "validee", _("Validée")
    IN_PROGRESS = "en_cours", _("En cours")
    DONE = "realisee", _("Réalisée")
    EFFECTIVE = "efficace", _("Efficacité vérifiée")
    CLOSED = "close", _("Close")
    ABANDONED = "abandonnee", _("Abandonnée")


OPEN_STATES = (
    ActionState.PROPOSED,
    ActionState.VALIDATED,
    ActionState.IN_PROGRESS,
    ActionState.DONE,
)


class Action(TenantModel, AuthoredModel):
    number = models.PositiveIntegerField(_("numéro"))
    origin = models.CharField(_("origine"), max_length=20, choices=Origin.choices)
    # The source record, named by "app_label.model" and its primary key, with a label
    # kept as it read when the action was created.
    source_type = models.CharField(_("type de la source"), max_length=60, blank=True)
    source_id = models.CharField(_("identifiant de la source"), max_length=60, blank=True)
    source_label = models.CharField(_("source"), max_length=250, blank=True)
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )
    title = models.CharField(_("intitulé"), max_length=200)
    finding = models.TextField(_("constat"))
    cause_analysis = models.TextField(_("analyse des causes"), blank=True)
    kind = models.CharField(
        _("nature"), max_length=20, choices=ActionKind.choices, default=ActionKind.CORRECTIVE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
    )
    deadline = models.DateField(_("échéance"), null=True, blank=True)
    priority = models.CharField(
        _("priorité"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    state = models.CharField(
        _("état"), max_length=20, choices=ActionState.choices, default=ActionState.PROPOSED
    )
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validée par"),
    )
    done_at = models.DateTimeField(_("réalisée le"), null=True, blank=True)
    done_note = models.TextField(_("ce qui a été fait"), blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    abandon_reason = models.TextField(_("motif d'abandon"), blank=True)
    escalated_at = models.DateTimeField(_("retard signalé le"), null=True, blank=True)
    # The action this one follows, when an earlier one was found not effective.
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("fait suite à"),
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("action d'amélioration")
        verbose_name_plural = _("actions d'amélioration")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="improvement_action_number_per_org"
            )
        ]
        indexes = [models.Index(fields=["organisation", "state"])]

    def __str__(self) -> str:
        return f"A{self.number:04d} {self.title}"

    @property
    def reference(self) -> str:
        return f"A{self.number:04d}"


class Verdict(models.TextChoices):
    PENDING = "a_mesurer", _("À mesurer")
    EFFECTIVE = "efficace", _("Efficace")
    NOT_EFFECTIVE = "non_efficace", _("Non efficace")


class EffectivenessCheck(TenantModel, AuthoredModel):
    """How an action's effect is measured: a measure computed by the system (named by its
    key, with its parameters) or a manual one with its evidence, before and after."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="checks")
    measure = models.CharField(_("mesure"), max_length=40)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    label = models.CharField(_("libellé de la mesure"), max_length=250)
    # Higher is better (a satisfaction rate) or lower is better (a dropout rate).
    higher_is_better = models.BooleanField(_("plus haut est mieux"), default=True)
    period_start = models.DateField(_("début de la période avant"))
    action_date = models.DateField(_("date de l'action"))
    measure_on = models.DateField(_("date de mesure"))
    value_before = models.FloatField(_("valeur avant"), null=True, blank=True)
    target = models.FloatField(_("cible"))
    value_after = models.FloatField(_("valeur après"), null=True, blank=True)
    verdict = models.CharField(
        _("verdict"), max_length=20, choices=Verdict.choices, default=Verdict.PENDING
    )
    measured_at = models.DateTimeField(_("mesurée le"), null=True, blank=True)
    evidence_note = models.TextField(_("preuve (mesure manuelle)"), blank=True)
    evidence_file = models.FileField(
        _("pièce (mesure manuelle)"), upload_to="improvement/", blank=True
    )

    class Meta:
        ordering = ["measure_on", "pk"]
        verbose_name = _("vérification d'efficacité")
        verbose_name_plural = _("vérifications d'efficacité")


class SuggestionKind(models.TextChoices):
    DROPOUT_CAUSE = "abandon", _("Cause d'abandon récurrente")
    SURVEY_LOW = "questionnaire_bas", _("Question sous la cible")
    SURVEY_FALLING = "questionnaire_baisse", _("Question en baisse")
    COMPLAINTS = "reclamations", _("Catégorie de réclamations récurrente")
    OVERDUE_STEPS = "etapes_en_retard", _("Étapes de suivi en retard")
    AUDIT = "audit", _("Constat d'audit blanc")


class SuggestionState(models.TextChoices):
    PROPOSED = "proposee", _("Proposée")
    ACCEPTED = "acceptee", _("Acceptée")
    DISMISSED = "ecartee", _("Écartée")


class Suggestion(TenantModel, AuthoredModel):
    """A proposal computed from the data: never an action until a person accepts it."""

    kind = models.CharField(_("nature"), max_length=30, choices=SuggestionKind.choices)
    # What makes two suggestions the same (e.g. "abandon:12:orientation:2026"): a
    # suggestion already made, accepted or dismissed, is not made again.
    key = models.CharField(_("clé"), max_length=120)
    text = models.TextField(_("suggestion"))
    figures = models.JSONField(_("chiffres"), default=dict, blank=True)
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )
    # The measure that would show the effect of an action taken on it.
    measure = models.CharField(_("mesure proposée"), max_length=40, blank=True)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    as_of = models.DateField(_("calculée au"))
    state = models.CharField(
        _("état"), max_length=20, choices=SuggestionState.choices, default=SuggestionState.PROPOSED
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    dismiss_reason = models.TextField(_("motif"), blank=True)
    action = models.ForeignKey(
        Action,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("action"),
    )

    class Meta:
        ordering = ["-as_of", "-pk"]
        verbose_name = _("suggestion d'amélioration")
        verbose_name_plural = _("suggestions d'amélioration")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"], name="improvement_suggestion_key_per_org"
            )
        ]
        indexes = [models.Index(fields=["organisation", "state"])]

    def __str__(self) -> str:
        return self.text[:120]


from parcours.improvement.reviews import models as reviews_models  # noqa: E402, F401 (registers them)
from parcours.improvement.risks import models as risks_models  # noqa: E402, F401 (registers them)
