"""The dropout-prevention procedure (playbook) and the follow-up cases it drives.

A procedure is versioned: the référent qualité edits a draft, direction validates it,
which publishes it and archives the version it replaces. Each version lists its triggers
(what opens a follow-up case) and, per trigger, the ordered steps to carry out. A case
keeps the version in force when it was opened, and its steps are copied from it: the
auditor reads what was planned then, and what was done.

What was done is recorded on the case as calls, meetings (with their invitations and
their report; an intermediate review has a structured one) and other measures
(mediation, referrals). Beside the cases: the tutor's liaison sheets on an enrolment, and
the dropout record that ends one.
"""

from .cases import (
    CaseSignal,
    CaseStatus,
    CaseStep,
    FollowupCase,
    Outcome,
    StepStatus,
)
from .dropouts import (
    Dropout,
    DropoutReason,
)
from .interactions import (
    MEETING_ACTIONS,
    REPORTED_ACTIONS,
    WITH_TUTOR,
    Call,
    CallOutcome,
    Measure,
    MeasureKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Review,
)
from .liaison import (
    CompanyAttendance,
    LiaisonSheet,
    Rating,
)
from .procedure import (
    AUTOMATIC_KINDS,
    MANUAL_KINDS,
    RISK_ORDER,
    Action,
    Procedure,
    ProcedureStep,
    ProcedureVersion,
    RiskLevel,
    Trigger,
    TriggerKind,
    VersionStatus,
)

__all__ = [
    "AUTOMATIC_KINDS",
    "Action",
    "Call",
    "CallOutcome",
    "CaseSignal",
    "CaseStatus",
    "CaseStep",
    "CompanyAttendance",
    "Dropout",
    "DropoutReason",
    "FollowupCase",
    "LiaisonSheet",
    "MANUAL_KINDS",
    "MEETING_ACTIONS",
    "Measure",
    "MeasureKind",
    "Meeting",
    "MeetingKind",
    "MeetingStatus",
    "Outcome",
    "Procedure",
    "ProcedureStep",
    "ProcedureVersion",
    "REPORTED_ACTIONS",
    "RISK_ORDER",
    "Rating",
    "Review",
    "RiskLevel",
    "StepStatus",
    "Trigger",
    "TriggerKind",
    "VersionStatus",
    "WITH_TUTOR",
]
