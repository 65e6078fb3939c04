"""The auditor's home blocks of readiness and of the last mock audit (see `home`)."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from parcours.audit import readiness
from parcours.audit.mock import overall
from parcours.audit.models import Grade, MockAudit
from parcours.core.access import can, membership_of


def readiness_block(request: HttpRequest) -> dict[str, Any] | None:
    membership = membership_of(request.user)
    if membership is None or not can(request.user, "audit.view"):
        return None
    result = readiness.readiness(membership.organisation, timezone.localdate())
    return {
        "readiness": result,
        "covered": [r for r in result.rows if r.indicator.number in readiness.COVERED],
    }


def last_mock_block(request: HttpRequest) -> dict[str, Any] | None:
    membership = membership_of(request.user)
    if membership is None or not can(request.user, "audit.view"):
        return None
    run = (
        MockAudit.objects.filter(organisation=membership.organisation)
        .order_by("-created_at", "-pk")
        .first()
    )
    return {"run": run, "overall": Grade(overall(run.grades)).label if run else ""}
