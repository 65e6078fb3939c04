"""The audit's own records: it reads everything and writes only its reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AuthoredModel, TenantModel

# Evidence packs (h5)


class PackState(models.TextChoices):
    QUEUED = "attente", _("En attente")
    RUNNING = "en_cours", _("En cours")
    DONE = "pret", _("Prêt")
    FAILED = "echec", _("Échec")


class EvidencePack(TenantModel, AuthoredModel):
    """A ZIP of the evidence as of a date, built by the worker, with its SHA-256."""

    as_of = models.DateField(_("date de référence"))
    session_ids = models.JSONField(_("sessions de l'échantillon"), default=list, blank=True)
    state = models.CharField(
        _("état"), max_length=10, choices=PackState.choices, default=PackState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    step = models.CharField(_("étape"), max_length=200, blank=True)
    file = models.FileField(_("fichier"), upload_to="packs/", max_length=200, blank=True)
    size = models.BigIntegerField(_("taille (octets)"), null=True, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    head = models.CharField(_("tête du journal"), max_length=200, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("dossier de preuves")
        verbose_name_plural = _("dossiers de preuves")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return _("Dossier de preuves au %(day)s") % {"day": self.as_of.strftime("%d/%m/%Y")}

    @property
    def is_finished(self) -> bool:
        return self.state in (PackState.DONE, PackState.FAILED)

    @property
    def filename(self) -> str:
        return f"dossier-de-preuves-{self.as_of.isoformat()}-{self.pk}.zip"


# end of evidence packs (h5)
