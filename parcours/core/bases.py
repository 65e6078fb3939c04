"""Abstract model bases shared by every app: the tenant, the author, the attested measure.

They declare the columns once; a model that inherits them keeps its table as it was (the
migrations that introduced them change no column).

- `TenantModel`: the `organisation` a row belongs to. Tenant tables are read through the
  organisation *and* something else (a session, a status, a date), so the column has no
  index of its own (the model's composite indexes start with it) and no reverse accessor
  (`Model.objects.filter(organisation=...)`, never `organisation.<rows>`). A reference
  table read by the organisation alone (sites, programmes, sessions...) overrides the
  field to keep its index and named accessor: it is still a `TenantModel`. Journal
  entries and jobs, which may belong to no organisation, are not tenant rows.
- `CreatedModel`: when the row was created. `AuthoredModel` adds who created it
  (`created_by`, emptied if the account is deleted; the journal keeps the name).
- `AttestedMeasure`: a measure with its attestation. A measure is something decided for a
  person (an adaptation, a mediation, a sanction or protection measure, and next a
  complaint's answer or an improvement action's step); the auditor samples measures and
  asks for proof each was carried out. The proof is the attestation, the same four
  columns wherever the measure lives: when (`attested_at`), by which account
  (`attested_by`), under which name and role at the time (`attested_by_label`, since
  accounts are renamed or removed), and what was observed (`attestation_note`). An
  attested measure is evidence and no longer changes: services refuse to edit it. The
  base lives in core, the lowest layer, so that feedback (complaints) and improvement
  reuse it as learners, followup and safeguarding do.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TenantModel(models.Model):
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        abstract = True


class CreatedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class AuthoredModel(CreatedModel):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class AttestedMeasure(models.Model):
    attested_at = models.DateTimeField(_("mise en place attestée le"), null=True, blank=True)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attestée par"),
    )
    # Who attested, as they were named then (the account may be renamed or removed).
    attested_by_label = models.CharField(_("attestée par"), max_length=200, blank=True)
    attestation_note = models.TextField(_("constat de mise en place"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_attested(self) -> bool:
        return self.attested_at is not None
