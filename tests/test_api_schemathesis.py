"""API robustness: schemathesis drives every operation of the OpenAPI schema, with valid
and invalid data, as a director of an organisation holding a few records; the API must
never answer with a server error, and its answers must match the schema."""

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.hooks import HookContext
from schemathesis.specs.openapi.checks import response_schema_conformance

from parcours.api.services import rotate_token
from parcours.attendance.services import record_mark
from parcours.core.models import Organisation, Role
from parcours.core.services import create_member
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from parcours.wsgi import application
from tests.conftest import build_world

pytestmark = pytest.mark.schemathesis

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# Ids of the organisation's records, set by the `token` fixture: the generated requests
# name them half of the time, so that writes on real records are exercised too, not
# only 404s and unknown ids.
KNOWN: dict[str, Any] = {}


@schema.hook
def flatmap_path_parameters(
    context: HookContext, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    assert context.operation is not None
    kind = context.operation.path.strip("/").split("/")[2]  # api/v1/<kind>/{id}/
    if not path_parameters or "id" not in path_parameters or kind not in KNOWN:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, "id": KNOWN[kind]}])


@schema.hook
def flatmap_body(context: HookContext, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict):
        return st.just(body)
    known = {
        name: KNOWN[key]
        for name, key in [
            ("slot", "slot"),
            ("enrolment", "enrolments"),
            ("learner", "new_learner"),
            ("session", "sessions"),
            ("learner_external_id", "new_learner_external_id"),
            ("session_external_id", "session_external_id"),
        ]
        if name in body
    }
    return st.sampled_from([body, {**body, **known}])


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Requests go straight to the WSGI application, not through Django's test client:
    keep the test's connection (and its transaction) open across them, as that client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(keep_test_connection: None, org_a: Organisation) -> str:
    """A director's token, in an organisation with a session, a slot, a learner, a mark.

    The director has no password (the token is all the API needs): no slow hashing for
    each of the operations' tests."""
    director = create_member(org_a, acting_user=None, email="api@forma.test", role=Role.DIRECTION)
    world = build_world(org_a, "A", director.user)
    slot = programme_services.create_slot(
        world.session,
        acting_user=director.user,
        starts_at=dt.datetime(2026, 3, 3, 9, tzinfo=PARIS),
        ends_at=dt.datetime(2026, 3, 3, 12, tzinfo=PARIS),
    )
    mark = record_mark(slot, world.enrolment, "present", acting_user=director.user, method="api")
    new_learner = learner_services.create_learner(
        org_a, acting_user=director.user, external_id="A-L2", last_name="Nouvelle"
    )
    KNOWN.update(
        sessions=world.session.pk,
        learners=world.learner.pk,
        enrolments=world.enrolment.pk,
        attendance=mark.pk,
        slot=slot.pk,
        new_learner=new_learner.pk,
        new_learner_external_id=new_learner.external_id,
        session_external_id=world.session.external_id,
    )
    return rotate_token(director.user, acting_user=None).key


def test_schema_covers_every_operation() -> None:
    operations = list(schema.get_all_operations())
    assert len(operations) == 24  # (21, and the three read-only feedback endpoints)
    assert all(isinstance(result, Ok) for result in operations)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
