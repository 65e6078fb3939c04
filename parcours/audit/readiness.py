"""Readiness per indicator, as of a date: what an auditor would find today (or on any past
day: everything recorded after it is ignored).

Each indicator of the version in force on `as_of` gets a status:
- démontrable: the records show what the indicator asks, with no gap;
- à risque: some gaps (what is missing, for whom, linked);
- preuves insuffisantes: Parcours holds nothing yet that shows it (no procedure, no
  campaign, no action...);
- non applicable: none of the organisation's services is concerned (I33 without
  apprenticeship, I12 with only short services);
- documents fournis: the indicators Parcours holds no data for (the provider's documents).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.audit import framework
from parcours.audit.checks import Gap, Scope, framework_category, run
from parcours.audit.checks.i12 import applies as i12_applies
from parcours.core.models import Organisation
from parcours.feedback.models import Campaign
from parcours.followup.models import ProcedureVersion, VersionStatus
from parcours.improvement.models import Action

COVERED = (12, 30, 31, 32, 33)


class Status:
    READY = "demontrable"
    AT_RISK = "a_risque"
    INSUFFICIENT = "preuves_insuffisantes"
    NOT_APPLICABLE = "non_applicable"
    DOCUMENTS = "documents_fournis"

    LABELS = {
        READY: gettext_lazy("Démontrable"),
        AT_RISK: gettext_lazy("À risque"),
        INSUFFICIENT: gettext_lazy("Preuves insuffisantes"),
        NOT_APPLICABLE: gettext_lazy("Non applicable"),
        DOCUMENTS: gettext_lazy("Documents fournis"),
    }


@dataclass
class Row:
    indicator: framework.Indicator
    status: str
    missing: str = ""
    gaps: list[Gap] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Status.LABELS[self.status])

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.number,
            "criterion": self.indicator.criterion,
            "title": self.indicator.title,
            "status": self.status,
            "status_label": self.label,
            "missing": self.missing,
            "gaps": [gap_dict(g) for g in self.gaps],
        }


@dataclass
class Readiness:
    organisation: Organisation
    as_of: dt.date
    version: framework.Version
    rows: list[Row]

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation.slug,
            "as_of": self.as_of.isoformat(),
            "version": self.version.code,
            "indicators": [r.as_dict() for r in self.rows],
        }

    def counts(self) -> dict[str, int]:
        found = {status: 0 for status in Status.LABELS}
        for row in self.rows:
            found[row.status] += 1
        return found


def gap_dict(gap: Gap) -> dict[str, Any]:
    return {
        "indicator": gap.indicator,
        "rule": gap.rule,
        "text": gap.text,
        "record_type": gap.record_type,
        "record_id": gap.record_id,
        "external_id": gap.external_id,
        "for_whom": gap.for_whom,
        "detail": gap.detail,
        "url": gap.url,
    }


def readiness(organisation: Organisation, as_of: dt.date) -> Readiness:
    version = framework.version_on(as_of)
    scope = Scope(organisation, as_of)
    numbers = [i.number for i in version.indicators if i.number in COVERED]
    gaps = run(scope, numbers)
    rows = []
    for item in version.indicators:
        if item.number not in COVERED:
            rows.append(
                Row(
                    item,
                    Status.DOCUMENTS,
                    missing="; ".join(item.evidence) if item.evidence else "",
                )
            )
            continue
        own = [g for g in gaps if g.indicator == item.number]
        rows.append(_row(item, scope, own))
    return Readiness(organisation, as_of, version, rows)


def _row(item: framework.Indicator, scope: Scope, gaps: list[Gap]) -> Row:
    if not _applicable(item, scope):
        return Row(item, Status.NOT_APPLICABLE)
    if gaps:
        people = sorted({g.for_whom for g in gaps})
        missing = _("%(n)d écart(s) : %(rules)s — pour %(whom)s") % {
            "n": len(gaps),
            "rules": ", ".join(sorted({g.text for g in gaps})),
            "whom": ", ".join(people[:5]) + ("…" if len(people) > 5 else ""),
        }
        return Row(item, Status.AT_RISK, missing=missing, gaps=gaps)
    lacking = _lacking(item.number, scope)
    if lacking:
        return Row(item, Status.INSUFFICIENT, missing=lacking)
    return Row(item, Status.READY)


def _applicable(item: framework.Indicator, scope: Scope) -> bool:
    if item.number == 12:
        return any(i12_applies(s) for s in scope.sessions())
    if item.number == 33:
        return any(item.applies(framework_category(s.category)) for s in scope.sessions())
    return True


def _lacking(number: int, scope: Scope) -> str:
    """What shows nothing yet, for an indicator without gaps."""
    org, cutoff = scope.organisation, scope.cutoff
    if number == 12:
        published = (
            ProcedureVersion.objects.filter(organisation=org, validated_at__lt=cutoff)
            .exclude(status=VersionStatus.DRAFT)
            .exists()
        )
        if not published:
            return _("Aucune procédure de prévention des ruptures validée.")
    if (
        number in (30, 33)
        and not Campaign.objects.filter(
            organisation=org, launched_on__lte=scope.as_of, created_at__lt=cutoff
        ).exists()
    ):
        return _("Aucun questionnaire envoyé.")
    if number == 32 and not Action.objects.filter(organisation=org, created_at__lt=cutoff).exists():
        return _("Aucune action d'amélioration enregistrée.")
    return ""
