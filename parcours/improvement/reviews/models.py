"""Quality reviews (revue qualité, COPIL): the meeting where the figures since the last
review are analysed and decisions are taken. Its agenda is computed from the data as of
the review's date, and frozen when the review is held, so that its PDF later shows what
was discussed; each decision becomes an improvement action (origin "revue", the review as
its source)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AuthoredModel, TenantModel


class ReviewKind(models.TextChoices):
    QUALITY = "revue_qualite", _("Revue qualité")
    COPIL = "copil", _("Comité de pilotage (COPIL)")


class ReviewStatus(models.TextChoices):
    DRAFT = "brouillon", _("En préparation")
    HELD = "tenue", _("Tenue")


class Review(TenantModel, AuthoredModel):
    held_on = models.DateField(_("date"))
    kind = models.CharField(
        _("nature"), max_length=20, choices=ReviewKind.choices, default=ReviewKind.QUALITY
    )
    # Participants: accounts of the organisation, and free lines for the others.
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("participants")
    )
    other_participants = models.TextField(_("autres participants (un par ligne)"), blank=True)
    status = models.CharField(
        _("état"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    # The figures since the last review, frozen when the review is held (null before).
    agenda = models.JSONField(_("ordre du jour chiffré"), null=True, blank=True)
    minutes = models.TextField(_("compte rendu"), blank=True)
    held_at = models.DateTimeField(_("tenue le"), null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("revue qualité")
        verbose_name_plural = _("revues qualité")
        indexes = [models.Index(fields=["organisation", "held_on"])]

    def __str__(self) -> str:
        return str(_("%(kind)s du %(date)s")) % {
            "kind": self.get_kind_display(),
            "date": self.held_on.strftime("%d/%m/%Y"),
        }

    @property
    def is_held(self) -> bool:
        return self.status == ReviewStatus.HELD

    def other_participant_lines(self) -> list[str]:
        return [line.strip() for line in self.other_participants.splitlines() if line.strip()]
