"""The dropout-prevention procedure (playbook) and the follow-up cases it drives.

A procedure is versioned: the référent qualité edits a draft, direction validates it,
which publishes it and archives the version it replaces. Each version lists its triggers
(what opens a follow-up case) and, per trigger, the ordered steps to carry out. A case
keeps the version in force when it was opened, and its steps are copied from it: the
auditor reads what was planned then, and what was done.

What was done is recorded on the case as calls, meetings (with their invitations and
their report; an intermediate review has a structured one) and other measures
(mediation, referrals). Beside the cases: the tutor's liaison sheets on an enrolment, and
the dropout record that ends one.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AttestedMeasure, AuthoredModel, CreatedModel, TenantModel
from parcours.core.models import Organisation, Role, User
from parcours.learners.models import Enrolment


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


class CallOutcome(models.TextChoices):
    REACHED = "joint", _("Joint")
    NO_ANSWER = "pas_de_reponse", _("Pas de réponse")
    VOICEMAIL = "messagerie", _("Messagerie")


class Call(TenantModel, AuthoredModel):
    """A phone call to (or from) the learner, logged on a case."""

    case = models.ForeignKey(FollowupCase, on_delete=models.CASCADE, related_name="calls")
    called_at = models.DateTimeField(_("date et heure"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=0)
    outcome = models.CharField(_("résultat"), max_length=16, choices=CallOutcome.choices)
    summary = models.TextField(_("résumé"), blank=True)
    step = models.ForeignKey(
        CaseStep,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("étape réalisée"),
    )

    class Meta:
        verbose_name = _("appel téléphonique")
        verbose_name_plural = _("appels téléphoniques")
        ordering = ["called_at", "pk"]

    def __str__(self) -> str:
        return _("Appel du %(at)s (%(outcome)s)") % {
            "at": timezone.localtime(self.called_at).strftime("%d/%m/%Y %H:%M"),
            "outcome": self.get_outcome_display(),
        }


class MeetingKind(models.TextChoices):
    INTERVIEW = "entretien", _("Entretien individuel")
    REVIEW = "bilan", _("Bilan intermédiaire")
    COMPANY_VISIT = "visite", _("Visite en entreprise")
    TRIPARTITE = "tripartite", _("Réunion tripartite")


# The step a meeting of each kind carries out, and the kinds the tutor is invited to.
MEETING_ACTIONS = {
    MeetingKind.INTERVIEW: Action.INTERVIEW,
    MeetingKind.REVIEW: Action.REVIEW,
    MeetingKind.COMPANY_VISIT: Action.TUTOR_CONTACT,
    MeetingKind.TRIPARTITE: Action.TUTOR_CONTACT,
}
WITH_TUTOR = {MeetingKind.COMPANY_VISIT, MeetingKind.TRIPARTITE}
# Steps that count as done only once their meeting's report is written.
REPORTED_ACTIONS = {Action.INTERVIEW, Action.REVIEW}


class MeetingStatus(models.TextChoices):
    PLANNED = "planifie", _("Planifié")
    HELD = "tenu", _("Tenu (compte rendu rédigé)")
    CANCELLED = "annule", _("Annulé")


class Meeting(TenantModel, AuthoredModel):
    """An appointment with the learner (and the tutor), its invitations and its report."""

    case = models.ForeignKey(FollowupCase, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("type"), max_length=12, choices=MeetingKind.choices)
    starts_at = models.DateTimeField(_("date et heure"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=60)
    place = models.CharField(_("lieu ou lien"), max_length=300)
    staff = models.ManyToManyField(User, related_name="+", verbose_name=_("équipe"))
    tutor = models.ForeignKey(
        "learners.Tutor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tuteur"),
    )
    step = models.ForeignKey(
        CaseStep,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("étape"),
    )
    status = models.CharField(
        _("statut"), max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    uid = models.CharField(max_length=120, unique=True)
    sequence = models.PositiveIntegerField(_("version de l'invitation"), default=0)
    report = models.TextField(_("compte rendu"), blank=True)
    report_written_at = models.DateTimeField(_("compte rendu rédigé le"), null=True, blank=True)
    report_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("motif d'annulation"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return _("%(kind)s du %(at)s") % {
            "kind": self.get_kind_display(),
            "at": timezone.localtime(self.starts_at).strftime("%d/%m/%Y à %H:%M"),
        }

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes or 60)

    @property
    def related_key(self) -> str:
        """How the messaging app knows the invitations of this meeting."""
        return f"meeting:{self.pk}"

    @property
    def is_planned(self) -> bool:
        return self.status == MeetingStatus.PLANNED


class Review(TenantModel, CreatedModel):
    """The structured report of an intermediate review (bilan intermédiaire)."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="review")
    progress = models.TextField(_("progression au regard des objectifs"))
    difficulties_pedagogical = models.TextField(_("difficultés pédagogiques"), blank=True)
    difficulties_personal = models.TextField(_("difficultés personnelles"), blank=True)
    difficulties_professional = models.TextField(_("difficultés professionnelles"), blank=True)
    learner_view = models.TextField(_("point de vue de l'apprenant"))
    trainer_view = models.TextField(_("point de vue du formateur"))
    agreed_actions = models.TextField(_("actions convenues"))
    next_review_on = models.DateField(_("prochain bilan le"), null=True, blank=True)

    class Meta:
        verbose_name = _("bilan intermédiaire")
        verbose_name_plural = _("bilans intermédiaires")

    def __str__(self) -> str:
        return str(self.meeting)


class MeasureKind(models.TextChoices):
    MEDIATION = "mediation", _("Médiation")
    PUBLIC_EMPLOYMENT = "france_travail", _("Orientation vers le service public de l'emploi")
    NEW_EMPLOYER = "nouvel_employeur", _("Aide à la recherche d'un nouvel employeur")
    REFERRAL = "orientation", _("Orientation vers un autre organisme")


class Measure(TenantModel, AuthoredModel, AttestedMeasure):
    """Mediation, referral to France Travail or another body, help to find an employer."""

    case = models.ForeignKey(FollowupCase, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("type"), max_length=16, choices=MeasureKind.choices)
    on = models.DateField(_("date"))
    body = models.CharField(_("organisme"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    outcome = models.TextField(_("résultat"), blank=True)

    class Meta:
        verbose_name = _("mesure d'accompagnement")
        verbose_name_plural = _("mesures d'accompagnement")
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.on:%d/%m/%Y})"


# The tutor's liaison sheets


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
