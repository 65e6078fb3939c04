"""The built-in blocks of « Mon espace », each read from the app that owns its facts."""

import datetime as dt
from typing import Any

from parcours.attendance.signing import selectors as signing_selectors
from parcours.feedback.complaints.selectors import own_complaints_of_learner
from parcours.feedback.selectors import pending_invitations_for_learner
from parcours.learners.models import Learner
from parcours.portal.sections import Section, register


def adaptations(learner: Learner, now: dt.datetime) -> dict[str, Any] | None:
    """A link to the adaptation sheets, for a learner in a situation of disability."""
    return {} if learner.disability else None


def safeguarding(learner: Learner, now: dt.datetime) -> dict[str, Any] | None:
    return {}


def attendance(learner: Learner, now: dt.datetime) -> dict[str, Any] | None:
    """Upcoming séances (with the signing button), attendance rates and past marks."""
    return {"overview": signing_selectors.portal_overview(learner, now)}


def questionnaires(learner: Learner, now: dt.datetime) -> dict[str, Any] | None:
    """The questionnaires the learner still has to answer (personal links still valid)."""
    pending = pending_invitations_for_learner(learner, now)
    return {"questionnaires": pending} if pending else None


def complaints(learner: Learner, now: dt.datetime) -> dict[str, Any] | None:
    """The button to complain or report a difficulty, and the learner's own entries."""
    return {"complaints": own_complaints_of_learner(learner)}


def register_all() -> None:
    register(Section("questionnaires", 5, "portal/sections/questionnaires.html", questionnaires))
    register(Section("adaptations", 10, "portal/sections/adaptations.html", adaptations))
    register(Section("safeguarding", 20, "portal/sections/safeguarding.html", safeguarding))
    register(Section("complaints", 25, "feedback/complaints/portal_section.html", complaints))
    register(Section("attendance", 30, "portal/sections/attendance.html", attendance))
