"""Small worlds for the improvement tests: a programme's session with enrolments, and
dropouts recorded through followup's service on chosen days and causes."""

import datetime as dt
from decimal import Decimal

from parcours.core.models import Organisation, User
from parcours.followup.services.dropouts import record_dropout
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment
from parcours.programmes import services as programme_services
from parcours.programmes.models import Programme, Session


def cohort(
    org: Organisation,
    programme: Programme,
    *,
    size: int,
    start: dt.date,
    end: dt.date,
    prefix: str,
) -> tuple[Session, list[Enrolment]]:
    session = programme_services.create_session(
        org,
        acting_user=None,
        programme=programme,
        external_id=f"{prefix}-S",
        title=f"Session {prefix}",
        category="AF",
        modality="presentiel",
        start_date=start,
        end_date=end,
        duration_hours=Decimal("140"),
    )
    enrolments = []
    for n in range(size):
        learner = learner_services.create_learner(
            org,
            acting_user=None,
            external_id=f"{prefix}-L{n}",
            last_name=f"Élève{n}",
            first_name=prefix,
            email=f"{prefix.lower()}{n}@exemple.fr",
        )
        enrolments.append(
            learner_services.enrol(learner, session, acting_user=None, enrolled_on=start)
        )
    return session, enrolments


def drop(enrolment: Enrolment, on: dt.date, reason: str, acting_user: User) -> None:
    record_dropout(enrolment, acting_user=acting_user, on=on, reason=reason, detail="")
