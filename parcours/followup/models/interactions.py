"""What the staff does on a case: calls, meetings, reviews and measures."""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AttestedMeasure, AuthoredModel, CreatedModel, TenantModel
from parcours.core.models import User

from .cases import CaseStep, FollowupCase
from .procedure import Action


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
