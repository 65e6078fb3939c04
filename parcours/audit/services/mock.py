"""Store a mock audit run and its findings; turn a finding into an improvement action."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from parcours.audit import mock
from parcours.audit.models import Finding, MockAudit
from parcours.core import journal
from parcours.core.models import JournalAction, Organisation, User
from parcours.improvement.models import Action, Origin
from parcours.improvement.services.actions import propose_action

MAX_SAMPLE = 10_000


@transaction.atomic
def run_mock_audit(
    organisation: Organisation,
    *,
    acting_user: User | None,
    as_of: dt.date,
    seed: int,
    sample_size: int = mock.DEFAULT_SAMPLE,
) -> MockAudit:
    """Draw the sample, run the checks, grade, and store the run with its findings."""
    if not 1 <= sample_size <= MAX_SAMPLE:
        raise ValidationError(
            {"sample_size": _("L'échantillon va de 1 à %(max)d.") % {"max": MAX_SAMPLE}}
        )
    if seed < 0:
        raise ValidationError({"seed": _("La graine est un entier positif.")})
    result = mock.mock_audit(organisation, as_of, seed=seed, size=sample_size)
    run = MockAudit.objects.create(
        organisation=organisation,
        created_by=acting_user,
        as_of=as_of,
        seed=seed,
        sample_size=sample_size,
        sample=result.sample,
        grades=result.grades,
    )
    Finding.objects.bulk_create(
        [
            Finding(
                organisation=organisation,
                audit=run,
                indicator=j.gap.indicator,
                version=j.version.code,
                indicator_text=j.indicator.text,
                grade=j.grade,
                grade_reason=j.reason[:300],
                rule=j.gap.rule,
                text=j.gap.text[:300],
                detail=j.gap.detail[:500],
                record_type=j.gap.record_type,
                record_id=j.gap.record_id,
                external_id=j.gap.external_id[:80],
                url=j.gap.url[:300],
                for_whom=j.gap.for_whom[:300],
                session_id=j.gap.session_id,
                enrolment_id=j.gap.enrolment_id,
            )
            for j in result.findings
        ]
    )
    journal.record_event(
        "audit.mock_run",
        organisation=organisation,
        acting_user=acting_user,
        obj=run,
        data={
            "as_of": as_of.isoformat(),
            "seed": seed,
            "sample_size": sample_size,
            "findings": len(result.findings),
            "grades": {k: v["grade"] for k, v in result.grades.items()},
        },
    )
    return run


@transaction.atomic
def finding_to_action(finding: Finding, *, acting_user: User) -> Action:
    """The finding becomes a proposed improvement action (once), linked both ways."""
    finding = Finding.objects.select_for_update().select_related("audit").get(pk=finding.pk)
    if finding.action_id is not None:
        raise ValidationError(_("Ce constat a déjà donné lieu à une action d'amélioration."))
    action = propose_action(
        finding.audit.organisation,
        acting_user=acting_user,
        origin=Origin.AUDIT,
        title=_("Audit blanc · I%(n)s · %(text)s") % {"n": finding.indicator, "text": finding.text},
        finding=_(
            "Audit blanc du %(day)s (%(version)s, indicateur %(n)s, %(grade)s) : %(text)s — "
            "%(whom)s%(detail)s"
        )
        % {
            "day": finding.audit.as_of.strftime("%d/%m/%Y"),
            "version": finding.version,
            "n": finding.indicator,
            "grade": finding.get_grade_display(),
            "text": finding.text,
            "whom": finding.for_whom,
            "detail": f" ({finding.detail})" if finding.detail else "",
        },
        source=finding,
    )
    before = journal.snapshot(finding, ["action"])
    finding.action = action
    finding.save(update_fields=["action"])
    journal.record(
        JournalAction.UPDATE,
        finding,
        organisation=finding.organisation_id,
        acting_user=acting_user,
        changes=journal.diff(before, journal.snapshot(finding, ["action"])),
        verb="audit.finding_to_action",
    )
    return action
