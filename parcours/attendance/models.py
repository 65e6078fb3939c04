from django.db import models
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import CreatedModel, TenantModel
from parcours.core.models import User
from parcours.learners.models import Enrolment
from parcours.programmes.models import Slot, Trainer


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Présent")
    ABSENT = "absent", _("Absent")
    RETARD = "retard", _("En retard")
    EXCUSE = "excuse", _("Absence excusée")


ATTENDED = {AttendanceStatus.PRESENT, AttendanceStatus.RETARD}


class Method(models.TextChoices):
    QR = "qr", _("QR code en séance")
    CODE = "code", _("Code personnel")
    LINK = "lien", _("Lien personnel")
    TRAINER = "formateur", _("Pointage par le formateur")
    IMPORT = "import", _("Import")
    API = "api", _("API")


class AttendanceMark(TenantModel, CreatedModel):
    """A learner's attendance at one slot (séance)."""

    # Indexed by (enrolment, slot) and (slot, enrolment).
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="marks", db_index=False)
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="marks", db_index=False
    )
    status = models.CharField(_("présence"), max_length=10, choices=AttendanceStatus.choices)
    minutes_late = models.PositiveIntegerField(_("retard (minutes)"), null=True, blank=True)
    method = models.CharField(_("mode de relevé"), max_length=10, choices=Method.choices)
    justification = models.FileField(
        _("justificatif"), upload_to="justificatifs/%Y/%m/", blank=True, max_length=200
    )
    justification_note = models.CharField(_("motif de l'absence"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # The trainer said absent and the learner signed: settled by the trainer, who keeps
    # the absence (the time and who settled are kept here) or marks the learner present.
    conflict_settled_at = models.DateTimeField(_("désaccord tranché le"), null=True, blank=True)
    conflict_settled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "enrolment"],
                name="one_mark_per_slot",
                violation_error_message=_(
                    "La présence de cet apprenant à cette séance est déjà relevée."
                ),
            )
        ]
        indexes = [models.Index(fields=["enrolment", "slot"])]

    def __str__(self) -> str:
        return f"{self.enrolment.learner} · {self.slot} · {self.get_status_display()}"


class Signature(TenantModel):
    """An electronic signature (émargement) of a learner, or the trainer's countersignature.

    `digest` is the SHA-256 of the signature image together with who, which slot, when,
    from where: the evidence that the image was not swapped afterwards.
    """

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="signatures")
    # A learner's signature carries its mark; a trainer's countersignature its trainer.
    mark = models.OneToOneField(
        AttendanceMark, on_delete=models.CASCADE, null=True, blank=True, related_name="signature"
    )
    trainer = models.ForeignKey(
        Trainer, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    method = models.CharField(_("mode"), max_length=10, choices=Method.choices)
    signed_at = models.DateTimeField(_("signé le"))
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=400, blank=True)
    image = models.FileField(_("signature"), upload_to="signatures/%Y/%m/", max_length=200)
    digest = models.CharField(_("empreinte SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "trainer"],
                condition=models.Q(trainer__isnull=False),
                name="one_countersignature_per_trainer",
                violation_error_message=_("Cette séance est déjà contresignée par ce formateur."),
            ),
            models.CheckConstraint(
                condition=models.Q(mark__isnull=False, trainer__isnull=True)
                | models.Q(mark__isnull=True, trainer__isnull=False),
                name="signature_is_learner_or_trainer",
            ),
        ]

    def __str__(self) -> str:
        who = self.mark.enrolment.learner if self.mark is not None else self.trainer
        return f"{who} · {self.slot}"


class SigningSheet(TenantModel):
    """The electronic signing of one slot: when its QR code was first shown.

    Lateness is read from the signatures only when the QR code was opened at the start
    of the slot; a QR code opened mid-séance says when the learners signed, not when they
    arrived. The sheet closes with the trainer's countersignature (a `Signature`).
    """

    slot = models.OneToOneField(Slot, on_delete=models.CASCADE, related_name="signing_sheet")
    qr_opened_at = models.DateTimeField(_("QR code ouvert le"))
    qr_opened_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("émargement électronique d'une séance")
        verbose_name_plural = _("émargements électroniques des séances")

    def __str__(self) -> str:
        return f"{self.slot} · QR"


class OneTimeCode(TenantModel, CreatedModel):
    """A short code that identifies a learner at one slot, for who has no personal link."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="+")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("code à usage unique")
        verbose_name_plural = _("codes à usage unique")

    def __str__(self) -> str:
        return f"code · {self.enrolment_id} · {self.slot_id}"
