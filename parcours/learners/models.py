import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AttestedMeasure, CreatedModel, TenantModel
from parcours.core.models import Organisation, User, siret_validator
from parcours.programmes.models import Session


class Employer(TenantModel, CreatedModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="employers"
    )
    name = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[siret_validator])
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone du contact"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("employeur")
        verbose_name_plural = _("employeurs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tutor(TenantModel, CreatedModel):
    """Tuteur or maître d'apprentissage, at an employer."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tutors")
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="tutors", verbose_name=_("employeur")
    )
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="tutor"
    )
    last_name = models.CharField(_("nom"), max_length=120)
    first_name = models.CharField(_("prénom"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    job_title = models.CharField(_("fonction"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("tuteur")
        verbose_name_plural = _("tuteurs")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.employer})"


class FunderKind(models.TextChoices):
    OPCO = "opco", _("OPCO")
    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    REGION = "region", _("Région")
    CPF = "cpf", _("CPF (Caisse des dépôts)")
    EMPLOYER = "entreprise", _("Entreprise")
    STATE = "etat", _("État")
    SELF = "personnel", _("Autofinancement")
    OTHER = "autre", _("Autre")


class Funder(TenantModel, CreatedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="funders")
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=FunderKind.choices)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)

    class Meta:
        verbose_name = _("financeur")
        verbose_name_plural = _("financeurs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Learner(TenantModel, CreatedModel):
    # Indexed by (organisation, last_name, first_name).
    external_id = models.CharField(_("identifiant externe"), max_length=80, blank=True)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="learner"
    )
    last_name = models.CharField(_("nom"), max_length=120)
    first_name = models.CharField(_("prénom"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    disability = models.BooleanField(
        _("situation de handicap"),
        default=False,
        help_text=_("Déclarée par l'apprenant (RQTH ou besoin d'adaptation)."),
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="learners",
        verbose_name=_("employeur"),
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("apprenant")
        verbose_name_plural = _("apprenants")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                condition=~Q(external_id=""),
                name="learner_external_id_per_org",
                violation_error_message=_("Un apprenant porte déjà cet identifiant externe."),
            )
        ]
        indexes = [models.Index(fields=["organisation", "last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("learners:learner_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class EnrolmentStatus(models.TextChoices):
    INSCRIT = "inscrit", _("Inscrit")
    EN_COURS = "en_cours", _("En cours")
    TERMINE = "termine", _("Terminé")
    ABANDON = "abandon", _("Abandon")


ENDED_STATUSES = {EnrolmentStatus.TERMINE, EnrolmentStatus.ABANDON}
# The lifecycle: inscrit → en_cours → termine | abandon (one may also leave before starting).
TRANSITIONS: dict[str, set[str]] = {
    EnrolmentStatus.INSCRIT: {EnrolmentStatus.EN_COURS, EnrolmentStatus.ABANDON},
    EnrolmentStatus.EN_COURS: {EnrolmentStatus.TERMINE, EnrolmentStatus.ABANDON},
    EnrolmentStatus.TERMINE: set(),
    EnrolmentStatus.ABANDON: set(),
}


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def active_on(self, day: dt.date) -> "EnrolmentQuerySet":
        """Active on D: enrolled_on <= D < ended_on (or no ended_on)."""
        return self.filter(enrolled_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )


class Enrolment(TenantModel, CreatedModel):
    # Indexed by (organisation, status) and (learner, session).
    learner = models.ForeignKey(
        Learner,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("apprenant"),
        db_index=False,
    )
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("session")
    )
    enrolled_on = models.DateField(_("inscrit le"))
    status = models.CharField(
        _("statut"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.INSCRIT
    )
    started_on = models.DateField(_("entré en formation le"), null=True, blank=True)
    ended_on = models.DateField(_("sorti le"), null=True, blank=True)
    end_reason = models.CharField(_("motif de sortie"), max_length=200, blank=True)
    funder = models.ForeignKey(
        Funder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("financeur"),
    )
    employer = models.ForeignKey(
        Employer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("employeur"),
    )
    tutor = models.ForeignKey(
        Tutor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("tuteur"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["-enrolled_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "session"],
                name="one_enrolment_per_session",
                violation_error_message=_("Cet apprenant est déjà inscrit à cette session."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("enrolled_on")),
                name="enrolment_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.learner} · {self.session.title}"

    def get_absolute_url(self) -> str:
        return reverse("learners:enrolment_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.status in ENDED_STATUSES and not self.ended_on:
            errors["ended_on"] = _(
                "La date de sortie est obligatoire pour une inscription terminée ou abandonnée."
            )
        if self.status not in ENDED_STATUSES and self.ended_on:
            errors["ended_on"] = _("Une inscription en cours n'a pas de date de sortie.")
        if self.ended_on and self.enrolled_on and self.ended_on < self.enrolled_on:
            errors["ended_on"] = _("La sortie ne peut pas précéder l'inscription.")
        if self.learner_id and self.learner.organisation_id != self.organisation_id:
            errors["learner"] = _("Apprenant inconnu.")
        if self.session_id and self.session.organisation_id != self.organisation_id:
            errors["session"] = _("Session inconnue.")
        if errors:
            raise ValidationError(errors)

    def is_active_on(self, day: dt.date) -> bool:
        return self.enrolled_on <= day and (self.ended_on is None or day < self.ended_on)

    @property
    def is_apprenticeship(self) -> bool:
        return self.session.category == "APP"


# Disability (PSH): individual adaptation sheets (fiches d'adaptation individuelles)


class NeedCategory(models.TextChoices):
    MOBILITE = "mobilite", _("Mobilité")
    VISUEL = "visuel", _("Visuel")
    AUDITIF = "auditif", _("Auditif")
    COGNITIF = "cognitif", _("Cognitif / troubles dys")
    PSYCHIQUE = "psychique", _("Psychique")
    SANTE = "sante", _("Santé / maladie invalidante")
    AUTRE = "autre", _("Autre")


class AdaptationSheet(TenantModel, CreatedModel):
    """The adaptations agreed for a learner in situation of disability, for one enrolment.

    One per enrolment, not per learner: the measures (a ground-floor room, extra time at
    this session's assessments, adapted supports from these trainers) and their proof of
    implementation belong to one training, which is what the auditor samples; a learner
    enrolled twice has a sheet for each, the needs copied from the previous one.
    The needs (`needs`, `need_categories`) are health information: shown only to the
    learner, direction, the référent qualité and the follow-up staff of the learner;
    never journaled (the journal records that they changed, not what they say).
    """

    enrolment = models.OneToOneField(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="adaptation_sheet",
        verbose_name=_("inscription"),
    )
    needs = models.TextField(_("besoins exprimés"), blank=True)
    need_categories = models.JSONField(_("nature des besoins"), default=list, blank=True)
    referent = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("référent handicap"),
    )
    next_review_on = models.DateField(_("prochaine revue le"), null=True, blank=True)
    consent_on = models.DateField(
        _("accord de l'apprenant pour partager ces informations, le"),
        null=True,
        blank=True,
        help_text=_("Date à laquelle l'apprenant a accepté que ses besoins soient partagés."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("fiche d'adaptation")
        verbose_name_plural = _("fiches d'adaptation")
        indexes = [models.Index(fields=["organisation", "next_review_on"])]

    def __str__(self) -> str:
        return _("Fiche d'adaptation n° %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("learners:adaptation_detail", args=[self.pk])

    def clean(self) -> None:
        unknown = [c for c in self.need_categories or [] if c not in NeedCategory.values]
        if not isinstance(self.need_categories, list) or unknown:
            raise ValidationError({"need_categories": _("Nature de besoin inconnue.")})

    def category_labels(self) -> list[str]:
        return [str(NeedCategory(c).label) for c in self.need_categories]

    def review_due(self, day: dt.date) -> bool:
        return self.next_review_on is not None and self.next_review_on <= day


class MeasureKind(models.TextChoices):
    PEDAGOGIQUE = "pedagogique", _("Pédagogique")
    TECHNIQUE = "technique", _("Technique")
    ORGANISATIONNELLE = "organisationnelle", _("Organisationnelle")


class AdaptationMeasure(TenantModel, CreatedModel, AttestedMeasure):
    """One adaptation of a sheet, who puts it in place, and the attestation that it was."""

    sheet = models.ForeignKey(AdaptationSheet, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("type d'aménagement"), max_length=20, choices=MeasureKind.choices)
    description = models.TextField(_("aménagement"))
    responsible = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsable de la mise en place"),
    )
    due_on = models.DateField(_("à mettre en place pour le"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mesure d'adaptation")
        verbose_name_plural = _("mesures d'adaptation")
        ordering = ["sheet", "pk"]

    def __str__(self) -> str:
        return _("Mesure n° %(pk)s (%(kind)s)") % {
            "pk": self.pk,
            "kind": self.get_kind_display(),
        }
