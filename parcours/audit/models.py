"""The audit's own records: it reads everything and writes only its reports."""

from django.db import models
from django.urls import reverse
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
    # The sample: the latest mock audit's as of the date, unless a seed or a size is given
    # (then drawn as the mock audit draws it; see audit.pack.sample).
    seed = models.PositiveIntegerField(_("graine du tirage"), null=True, blank=True)
    sample_size = models.PositiveIntegerField(_("échantillon"), null=True, blank=True)
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


# Mock audits (audit blanc): a seeded sample, the checks run over it, a grade per indicator.


class Grade(models.TextChoices):
    CONFORME = "conforme", _("Conforme")
    MINOR = "nc_mineure", _("NC mineure")
    MAJOR = "nc_majeure", _("NC majeure")


GRADE_ORDER = {Grade.CONFORME: 0, Grade.MINOR: 1, Grade.MAJOR: 2}


class MockAudit(TenantModel, AuthoredModel):
    """One run of the mock audit: as of a date, with a seed; replaying the same seed on
    the same date draws the same sample and, the past being fixed, finds the same gaps."""

    as_of = models.DateField(_("à la date du"))
    seed = models.PositiveIntegerField(_("graine du tirage"))
    sample_size = models.PositiveIntegerField(
        _("échantillon"), help_text=_("Sessions par catégorie, et apprenants par session.")
    )
    # {"AF": {"sessions": [ids], "enrolments": [ids]}, ...}
    sample = models.JSONField(_("échantillon tiré"), default=dict)
    # {"12": {"grade": "nc_mineure", "versions": ["V9"], "findings": 2}, ...}
    grades = models.JSONField(_("cotation par indicateur"), default=dict)

    class Meta:
        verbose_name = _("audit blanc")
        verbose_name_plural = _("audits blancs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "created_at"])]

    def __str__(self) -> str:
        return _("Audit blanc n° %(pk)s au %(day)s") % {
            "pk": self.pk,
            "day": self.as_of.strftime("%d/%m/%Y"),
        }

    def get_absolute_url(self) -> str:
        return reverse("audit:mock_detail", args=[self.pk])

    def grade_rows(self) -> list[dict[str, object]]:
        return [
            {"indicator": int(number), **value, "label": Grade(value["grade"]).label}
            for number, value in sorted(self.grades.items(), key=lambda kv: int(kv[0]))
        ]


class Finding(TenantModel):
    """A gap the mock audit found, on one record, judged by the indicator's text of the
    version in force for its session."""

    audit = models.ForeignKey(MockAudit, on_delete=models.CASCADE, related_name="findings")
    indicator = models.PositiveSmallIntegerField(_("indicateur"))
    version = models.CharField(_("version du référentiel"), max_length=8)
    indicator_text = models.TextField(_("texte de l'indicateur"))
    grade = models.CharField(_("cotation"), max_length=12, choices=Grade.choices)
    rule = models.CharField(_("règle"), max_length=40)
    text = models.CharField(_("constat"), max_length=300)
    detail = models.CharField(_("précision"), max_length=500, blank=True)
    # Why the finding is major by a general rule of the framework (not lifted in time, fifth minor).
    grade_reason = models.CharField(_("motif de la cotation"), max_length=300, blank=True)
    record_type = models.CharField(_("type d'enregistrement"), max_length=60)
    record_id = models.PositiveBigIntegerField(_("enregistrement"))
    external_id = models.CharField(_("identifiant externe"), max_length=80, blank=True)
    url = models.CharField(_("lien"), max_length=300, blank=True)
    for_whom = models.CharField(_("pour qui"), max_length=300, blank=True)
    session = models.ForeignKey(
        "programmes.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enrolment = models.ForeignKey(
        "learners.Enrolment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The improvement action this finding became, if it did.
    action = models.ForeignKey(
        "improvement.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("action d'amélioration"),
    )

    class Meta:
        verbose_name = _("constat d'audit blanc")
        verbose_name_plural = _("constats d'audit blanc")
        ordering = ["audit", "indicator", "rule", "external_id", "pk"]

    def __str__(self) -> str:
        return _("I%(n)s · %(text)s · %(whom)s") % {
            "n": self.indicator,
            "text": self.text,
            "whom": self.external_id or self.for_whom,
        }

    def get_absolute_url(self) -> str:
        return reverse("audit:mock_detail", args=[self.audit_id]) + f"#constat-{self.pk}"
