import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import CreatedModel, TenantModel
from parcours.core.models import Organisation, Site, User


class Category(models.TextChoices):
    AF = "AF", _("Action de formation")
    BC = "BC", _("Bilan de compétences")
    VAE = "VAE", _("Validation des acquis de l'expérience")
    APP = "APP", _("Apprentissage")


class Modality(models.TextChoices):
    PRESENTIEL = "presentiel", _("Présentiel")
    DISTANCIEL = "distanciel", _("Distanciel")
    HYBRIDE = "hybride", _("Hybride")


class Programme(TenantModel, CreatedModel):
    """A training offer (prestation / action), run as one or more sessions."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="programmes"
    )
    code = models.CharField(_("code interne"), max_length=40, blank=True)
    title = models.CharField(_("intitulé"), max_length=200)
    category = models.CharField(_("catégorie"), max_length=3, choices=Category.choices)
    modality = models.CharField(_("modalité"), max_length=12, choices=Modality.choices)
    duration_hours = models.DecimalField(
        _("durée (heures)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )
    duration_days = models.DecimalField(
        _("durée (jours)"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)]
    )
    is_certifying = models.BooleanField(_("certifiante"), default=False)
    certification_code = models.CharField(
        _("code RNCP / RS"), max_length=30, blank=True, help_text=_("Par exemple RNCP35635.")
    )
    description = models.TextField(_("objectifs et contenu"), blank=True)
    is_active = models.BooleanField(_("au catalogue"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("formation")
        verbose_name_plural = _("formations")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=~Q(code=""),
                name="programme_code_per_org",
                violation_error_message=_("Une formation porte déjà ce code."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("programmes:programme_detail", args=[self.pk])

    @property
    def indicator_12_applies(self) -> bool:
        """Indicator 12 concerns services longer than two days."""
        return self.duration_days > 2


class Trainer(TenantModel, CreatedModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="trainers"
    )
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="trainer"
    )
    last_name = models.CharField(_("nom"), max_length=120)
    first_name = models.CharField(_("prénom"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    speciality = models.CharField(_("spécialité"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("formateur")
        verbose_name_plural = _("formateurs")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class SessionQuerySet(models.QuerySet["Session"]):
    def running_on(self, day: dt.date) -> "SessionQuerySet":
        return self.filter(start_date__lte=day, end_date__gte=day)


class Session(TenantModel, CreatedModel):
    """A cohort of a programme, with dates."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="sessions"
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("formation"),
    )
    external_id = models.CharField(_("identifiant externe"), max_length=80, blank=True)
    title = models.CharField(_("intitulé"), max_length=200)
    category = models.CharField(_("catégorie"), max_length=3, choices=Category.choices)
    modality = models.CharField(_("modalité"), max_length=12, choices=Modality.choices)
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))
    duration_hours = models.DecimalField(
        _("durée (heures)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("site"),
    )
    trainers = models.ManyToManyField(
        Trainer, blank=True, related_name="sessions", verbose_name=_("formateurs")
    )
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-start_date", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                condition=~Q(external_id=""),
                name="session_external_id_per_org",
                violation_error_message=_("Une session porte déjà cet identifiant externe."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="session_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_date:%d/%m/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("programmes:session_detail", args=[self.pk])

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("La fin ne peut pas précéder le début.")})
        if self.programme is not None and self.programme.organisation_id != self.organisation_id:
            raise ValidationError({"programme": _("Formation inconnue.")})

    def period(self, today: dt.date) -> str:
        if today < self.start_date:
            return "future"
        if today > self.end_date:
            return "past"
        return "current"


class Slot(TenantModel, CreatedModel):
    """One séance of a session."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="slots")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    trainer = models.ForeignKey(
        Trainer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="slots",
        verbose_name=_("formateur"),
    )
    room = models.CharField(_("salle ou lien"), max_length=200, blank=True)
    label = models.CharField(_("thème"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_times_ordered"
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.session.title} · {local:%d/%m/%Y %H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("La fin doit suivre le début.")})
