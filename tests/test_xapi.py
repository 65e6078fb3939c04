"""The xAPI endpoint: statements from the xAPI 1.0.3 specification's examples land on the
right learner, by raw HTTP and by a real xAPI client (tincan); malformed ones get 400."""

import base64
import copy
import datetime as dt
import json
import uuid

import pytest
from django.test import Client

from parcours.activity import services
from parcours.activity.models import ActivityEvent, XapiCredential, XapiStatement
from parcours.core.models import Organisation
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment, Learner
from tests.conftest import World, login

URL = "/xapi/statements"
# xAPI 1.0.3, part two, "Simple Statement" example.
SIMPLE = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "timestamp": "2015-11-18T12:17:00+00:00",
    "actor": {
        "objectType": "Agent",
        "name": "Project Tin Can API",
        "mbox": "mailto:user@example.com",
    },
    "verb": {"id": "http://adlnet.gov/expapi/verbs/created", "display": {"en-US": "created"}},
    "object": {
        "id": "http://example.adlnet.gov/xapi/example/activity",
        "definition": {
            "name": {"en-US": "simple statement"},
            "description": {
                "en-US": "A simple Experience API statement. Note that the LRS does not need "
                "to have any prior information about the Actor (learner), the verb, or the "
                "Activity/object."
            },
        },
    },
}
# The specification's "completed" statement, with an account actor (homePage + name).
COMPLETED = {
    "actor": {
        "objectType": "Agent",
        "account": {"homePage": "http://www.example.com", "name": "A-L1"},
    },
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
    "object": {
        "id": "http://www.example.com/meetings/occurances/34534",
        "definition": {"name": {"en-US": "example meeting"}},
    },
    "result": {"completion": True, "success": True, "score": {"scaled": 0.95}},
    "timestamp": "2026-03-10T09:30:00+01:00",
}
VERSION = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}


def basic(key: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}", **VERSION}


@pytest.fixture
def user_example(world_a: World) -> Learner:
    """The specification's user@example.com, enrolled in 2015 in organisation A."""
    learner = learner_services.create_learner(
        world_a.org,
        acting_user=None,
        external_id="A-EX",
        last_name="Example",
        email="User@Example.com",
    )
    learner_services.enrol(
        learner, world_a.session, acting_user=None, enrolled_on=dt.date(2015, 9, 1)
    )
    return learner


@pytest.fixture
def key_a(org_a: Organisation) -> dict[str, str]:
    credential, secret = services.create_credential(org_a, label="Moodle", acting_user=None)
    return basic(credential.key, secret)


@pytest.fixture
def key_b(org_b: Organisation) -> dict[str, str]:
    credential, secret = services.create_credential(org_b, label="Moodle B", acting_user=None)
    return basic(credential.key, secret)


def post(client: Client, body: object, headers: dict[str, str]):
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_the_simple_statement_lands_on_the_learner_by_mbox(user_example, key_a) -> None:
    client = Client()
    response = post(client, SIMPLE, key_a)

    assert response.status_code == 200
    assert response.json() == [SIMPLE["id"]]
    assert response["X-Experience-API-Version"] == "1.0.3"
    stored = XapiStatement.objects.get()
    assert stored.learner == user_example
    assert (stored.verb_id, stored.object_id) == (SIMPLE["verb"]["id"], SIMPLE["object"]["id"])
    assert stored.timestamp == dt.datetime(2015, 11, 18, 12, 17, tzinfo=dt.UTC)
    event = ActivityEvent.objects.get()
    assert (event.kind, event.count, event.source) == ("created", 1, "xapi")
    assert event.enrolment.learner == user_example

    # The same statement again: no duplicate. The same id with other content: 409.
    assert post(client, SIMPLE, key_a).status_code == 200
    changed = copy.deepcopy(SIMPLE)
    changed["verb"]["id"] = "http://adlnet.gov/expapi/verbs/attempted"
    assert post(client, changed, key_a).status_code == 409
    assert XapiStatement.objects.count() == ActivityEvent.objects.get().count == 1

    got = client.get(URL, {"statementId": SIMPLE["id"]}, **key_a)
    assert got.status_code == 200
    assert got.json()["actor"] == SIMPLE["actor"] and "stored" in got.json()


def test_the_completed_statement_lands_on_the_learner_by_account(world_a, key_a) -> None:
    response = post(Client(), [COMPLETED], key_a)

    assert response.status_code == 200
    [statement_id] = response.json()
    stored = XapiStatement.objects.get(statement_id=statement_id)
    assert stored.learner == world_a.learner
    event = ActivityEvent.objects.get()
    assert (event.enrolment, event.kind, event.day) == (
        world_a.enrolment,
        "completed",
        dt.date(2026, 3, 10),
    )


def test_an_unknown_actor_is_kept_unmatched_and_shown_to_staff(world_a, key_a, director) -> None:
    stranger = copy.deepcopy(COMPLETED)
    stranger["actor"]["account"]["name"] = "inconnu-42"
    assert post(Client(), stranger, key_a).status_code == 200

    assert XapiStatement.objects.get().learner is None
    assert not ActivityEvent.objects.exists()
    page = login(director).get("/activite/xapi/non-rattachees/")
    assert page.status_code == 200
    assert "inconnu-42" in page.content.decode()


def test_a_key_of_organisation_b_never_reaches_organisation_a(world_a, world_b, key_b) -> None:
    mine = copy.deepcopy(COMPLETED)  # A-L1 is organisation A's learner
    response = post(Client(), mine, key_b)

    assert response.status_code == 200
    assert XapiStatement.objects.get().organisation == world_b.org
    assert XapiStatement.objects.get().learner is None
    assert not ActivityEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.pop("actor"), "actor"),
        (
            lambda s: s["actor"].update(account={"homePage": "http://a.example", "name": "x"}),
            "actor",
        ),
        (lambda s: s["verb"].update(id="created"), "verb.id"),
        (lambda s: s.update(timestamp="18/11/2015 12:17"), "timestamp"),
        (lambda s: s.update(id="not-a-uuid"), "id"),
        (lambda s: s["actor"].update(mbox="user@example.com"), "actor.mbox"),
        (lambda s: s["object"].pop("id"), "object.id"),
        (lambda s: s.update(result={"score": {"scaled": 1.5}}), "result.score.scaled"),
        (lambda s: s.update(colour="blue"), "colour"),
    ],
)
def test_a_malformed_statement_gets_400_naming_the_field(
    user_example, key_a, change, field
) -> None:
    bad = copy.deepcopy(SIMPLE)
    change(bad)

    response = post(Client(), [COMPLETED, bad], key_a)

    assert response.status_code == 400
    assert response.json()["error"].startswith(f"statements[1].{field} :")
    assert not XapiStatement.objects.exists()  # the whole batch is refused


def test_version_header_and_credentials_are_required(user_example, key_a, org_a) -> None:
    client = Client()
    no_version = {k: v for k, v in key_a.items() if k != "HTTP_X_EXPERIENCE_API_VERSION"}
    assert post(client, SIMPLE, no_version).status_code == 400
    assert (
        post(client, SIMPLE, {**key_a, "HTTP_X_EXPERIENCE_API_VERSION": "0.95"}).status_code == 400
    )
    key = XapiCredential.objects.get().key
    wrong = post(client, SIMPLE, basic(key, "mauvais-secret"))
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Basic")
    assert post(client, SIMPLE, VERSION).status_code == 401
    services.revoke_credential(XapiCredential.objects.get(), acting_user=None)
    assert post(client, SIMPLE, key_a).status_code == 401
    assert not XapiStatement.objects.exists()


def test_put_stores_under_the_given_id(user_example, key_a) -> None:
    statement_id = str(uuid.uuid4())
    body = {k: v for k, v in SIMPLE.items() if k != "id"}
    response = Client().put(
        f"{URL}?statementId={statement_id}",
        json.dumps(body),
        content_type="application/json",
        **key_a,
    )
    assert response.status_code == 204
    assert str(XapiStatement.objects.get().statement_id) == statement_id


def test_staff_make_a_key_whose_secret_is_shown_once(director, as_director, officer) -> None:
    page = as_director.post("/activite/xapi/cles/", {"label": "Moodle"})
    assert page.status_code == 200
    credential = XapiCredential.objects.get()
    secret = page.context["secret"]
    assert secret in page.content.decode() and secret not in credential.secret_hash
    assert services.authenticate(credential.key, secret) == credential
    listing = as_director.get("/activite/xapi/cles/").content.decode()
    assert credential.key in listing and secret not in listing
    as_director.post(f"/activite/xapi/cles/{credential.pk}/revoquer/")
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert login(officer).get("/activite/xapi/cles/").status_code == 403


def test_a_real_xapi_client_tincan_sends_both_examples(
    transactional_db, live_server, user_example, world_a, org_a
) -> None:
    tincan = pytest.importorskip("tincan")
    credential, secret = services.create_credential(org_a, label="tincan", acting_user=None)
    lrs = tincan.RemoteLRS(
        endpoint=live_server.url + "/xapi/",
        version="1.0.3",
        username=credential.key,
        password=secret,
    )

    simple = lrs.save_statement(tincan.Statement(SIMPLE))
    completed = lrs.save_statement(tincan.Statement(COMPLETED))

    assert simple.success, simple.data
    assert completed.success, completed.data
    by_learner = dict(XapiStatement.objects.values_list("learner__external_id", "verb_id"))
    assert by_learner == {
        "A-EX": "http://adlnet.gov/expapi/verbs/created",
        "A-L1": "http://adlnet.gov/expapi/verbs/completed",
    }
    assert str(completed.content.id) in {
        str(i) for i in XapiStatement.objects.values_list("statement_id", flat=True)
    }
    assert Enrolment.objects.filter(activity_events__kind="completed").get() == world_a.enrolment
    bad = lrs.save_statement(
        tincan.Statement(
            {"actor": {"mbox": "mailto:x@example.com"}, "verb": {"id": "http://v.example/x"}}
        )
    )
    assert not bad.success and bad.response.status == 400


def test_staff_pages_keep_to_their_organisation(
    world_a, key_a, outsider, tutor_user, learner_user
) -> None:
    stranger = copy.deepcopy(COMPLETED)
    stranger["actor"]["account"]["name"] = "inconnu-de-A"
    post(Client(), stranger, key_a)
    credential = XapiCredential.objects.get()
    revoke = f"/activite/xapi/cles/{credential.pk}/revoquer/"

    client = login(outsider)
    assert client.post(revoke).status_code == 404
    assert "inconnu-de-A" not in client.get("/activite/xapi/non-rattachees/").content.decode()
    assert credential.key not in client.get("/activite/xapi/cles/").content.decode()
    for persona in (tutor_user, learner_user):
        assert login(persona).get("/activite/xapi/cles/").status_code == 403
        assert login(persona).post(revoke).status_code == 403
    assert Client().get("/activite/xapi/non-rattachees/").status_code == 302
    credential.refresh_from_db()
    assert credential.revoked_at is None
