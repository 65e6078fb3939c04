"""How the follow-up's pages reach their objects: through the user's organisation, with
the capability asked for (404 outside it, 403 without the capability)."""

from typing import Any

from parcours.core.access import get_scoped
from parcours.followup.models import (
    CaseStep,
    FollowupCase,
    LiaisonSheet,
    Meeting,
    ProcedureVersion,
    Trigger,
)
from parcours.learners.models import Enrolment

VIEW = "records.view"
EDIT = "procedure.edit"
VALIDATE = "procedure.validate"
WORK = "cases.work"


def get_version_for_user(user: Any, pk: int, capability: str = VIEW) -> ProcedureVersion:
    return get_scoped(
        user,
        ProcedureVersion.objects.select_related("procedure__organisation", "edited_by"),
        capability,
        pk=pk,
    )


def get_trigger_for_user(user: Any, pk: int) -> Trigger:
    """A trigger of a version, to edit (a draft's)."""
    return get_scoped(user, Trigger.objects.select_related("version"), EDIT, pk=pk)


def get_case_for_user(user: Any, pk: int, capability: str = VIEW) -> FollowupCase:
    return get_scoped(
        user,
        FollowupCase.objects.select_related(
            "enrolment__learner",
            "enrolment__session",
            "enrolment__organisation",
            "assigned_to",
            "opened_by",
            "closed_by",
            "procedure_version",
            "organisation",
        ),
        capability,
        pk=pk,
    )


def get_step_for_user(user: Any, pk: int, capability: str = WORK) -> CaseStep:
    return get_scoped(user, CaseStep.objects.select_related("case"), capability, pk=pk)


def get_meeting_for_user(user: Any, pk: int, capability: str = VIEW) -> Meeting:
    return get_scoped(
        user,
        Meeting.objects.select_related(
            "case__enrolment__learner", "case__enrolment__session", "tutor", "report_by"
        ),
        capability,
        pk=pk,
    )


def get_enrolment_for_user(user: Any, pk: int, capability: str = VIEW) -> Enrolment:
    return get_scoped(
        user,
        Enrolment.objects.select_related("learner", "session", "organisation", "tutor__employer"),
        capability,
        pk=pk,
    )


def get_liaison_sheet_for_user(user: Any, pk: int) -> LiaisonSheet:
    return get_scoped(
        user,
        LiaisonSheet.objects.select_related(
            "enrolment__learner", "enrolment__session", "tutor", "case"
        ),
        pk=pk,
    )
