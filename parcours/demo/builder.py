"""The demo organisation: a realistic French training provider, built through the services.

`build_demo(learners=N, seed=S, today=D)` plans everything first with `random.Random(seed)`
(same seed and same `today`, same data), then writes it through the domain services in one
transaction, so the journal of the demo is a real one. Dates are relative to `today`: there
are past, current and future sessions whatever the day the demo is built.

Every account shares one password, `DEMO_PASSWORD`; the e-mail addresses are on the
`demo.parcours.fr` domain, never a real person's address.

The current sessions have their attendance (trainer's pointing, mostly present) and, where
they have a platform, their LMS activity (imported as an export would be). So that the
dropout-prevention procedure has work on the first night, four learners have missed
their last séances (three or more unexcused absences in a row, one with an excused
absence inside the run), one has missed two (no case yet) and three have not been on the
platform for two weeks or more: on a fresh demo, one `parcours worker --once` opens their
follow-up cases and sends their first reminders. Learners with a disability have their
adaptation sheets (needs, measures, attestations).

The world it draws from is in `data`, the plan in `plan`, the writing in `writer`.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from parcours.core.models import Organisation
from parcours.demo.data import (
    DEFAULT_LEARNERS,
    DEFAULT_SEED,
    DEMO_DOMAIN,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_SLUG,
    ROLE_ORDER,
)
from parcours.demo.plan import _Plan
from parcours.demo.writer import DemoResult, Login, _Writer, demo_logins

__all__ = [
    "DEFAULT_LEARNERS",
    "DEFAULT_SEED",
    "DEMO_DOMAIN",
    "DEMO_NAME",
    "DEMO_PASSWORD",
    "DEMO_SLUG",
    "DemoResult",
    "Login",
    "ROLE_ORDER",
    "_Plan",
    "build_demo",
    "demo_logins",
    "demo_organisation",
]


def demo_organisation() -> Organisation | None:
    return Organisation.objects.filter(slug=DEMO_SLUG).first()


def build_demo(
    *,
    learners: int = DEFAULT_LEARNERS,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
) -> DemoResult:
    """Build the demo organisation (slug `demo`); the caller checks it does not exist yet."""
    if learners < 1:
        raise ValueError("at least one learner")
    plan = _Plan(
        random.Random(seed),  # noqa: S311 (reproducible demo data)
        today or timezone.localdate(),
        learners,
    )
    with transaction.atomic():
        return _Writer(plan).write()
