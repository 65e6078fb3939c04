"""Writes of the activity app: xAPI keys, and the statements an LMS pushes.

Statements are raw facts like activity rows: each is stored as received (which is its
own trace), not journaled; the keys that let an LMS push them are, when made and when
revoked.
"""

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from parcours.activity import xapi
from parcours.activity.models import (
    KIND_MAX_LENGTH,
    ActivityEvent,
    ActivitySource,
    XapiCredential,
    XapiStatement,
)
from parcours.core import journal
from parcours.core.models import JournalAction, Organisation, User
from parcours.learners.models import Enrolment, Learner

NOT_TOKEN = re.compile(r"[^\w.:+-]+")


def secret_hash(secret: str) -> str:
    """The secret is 256 random bits: a plain SHA-256 is enough to keep it unguessable."""
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_credential(
    organisation: Organisation, *, label: str, acting_user: User | None
) -> tuple[XapiCredential, str]:
    """A new key and its secret; the secret is returned once and never kept."""
    secret = secrets.token_urlsafe(32)
    credential = XapiCredential.objects.create(
        organisation=organisation,
        key=f"xapi-{secrets.token_hex(8)}",
        secret_hash=secret_hash(secret),
        label=label.strip()[:120],
    )
    journal.record(
        JournalAction.CREATE,
        credential,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff({}, {"key": credential.key, "label": credential.label}),
    )
    return credential, secret


@transaction.atomic
def revoke_credential(credential: XapiCredential, *, acting_user: User | None) -> None:
    if credential.revoked_at is not None:
        return
    credential.revoked_at = timezone.now()
    credential.save(update_fields=["revoked_at"])
    journal.record_event(
        "xapi.key_revoked",
        organisation=credential.organisation_id,
        acting_user=acting_user,
        obj=credential,
    )


_DUMMY = secret_hash("no such key")


def authenticate(key: str, secret: str) -> XapiCredential | None:
    """The live credential with this key and secret, compared in constant time."""
    credential = (
        XapiCredential.objects.select_related("organisation")
        .filter(key=key, revoked_at__isnull=True)
        .first()
    )
    expected = credential.secret_hash if credential else _DUMMY
    if hmac.compare_digest(expected, secret_hash(secret)) and credential is not None:
        return credential
    return None


class Conflict(Exception):
    """A statement id already stored with other content."""

    def __init__(self, statement_id: str) -> None:
        super().__init__(statement_id)
        self.statement_id = statement_id


@dataclass
class Received:
    statement_id: str
    created: bool


def _canonical(statement: dict[str, Any]) -> str:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"))


def match_learner(organisation: Organisation, actor: dict[str, Any]) -> Learner | None:
    """mbox mailto:email → the organisation's one learner with that e-mail (any case);
    account {homePage, name} → the learner whose external id is the name. Else None."""
    learners = Learner.objects.filter(organisation=organisation)
    if isinstance(actor.get("mbox"), str):
        email = actor["mbox"].removeprefix("mailto:")
        found = list(learners.filter(email__iexact=email)[:2])
        return found[0] if len(found) == 1 else None
    account = actor.get("account")
    if isinstance(account, dict) and account.get("name"):
        return learners.filter(external_id=account["name"]).first()
    return None


def verb_kind(verb_id: str) -> str:
    """The verb's last path segment, as an activity kind: ".../verbs/completed" → "completed"."""
    last = verb_id.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return NOT_TOKEN.sub("-", last)[:KIND_MAX_LENGTH] or "xapi"


def _count_activity(learner: Learner, moment: dt.datetime, kind: str) -> None:
    day = timezone.localtime(moment).date()
    enrolment = (
        Enrolment.objects.filter(learner=learner).active_on(day).order_by("-enrolled_on").first()
    )
    if enrolment is None:
        return
    events = ActivityEvent.objects.filter(enrolment=enrolment, occurred_at=moment, kind=kind)
    if events.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ActivityEvent.objects.create(
                organisation_id=enrolment.organisation_id,
                enrolment=enrolment,
                occurred_at=moment,
                day=day,
                kind=kind,
                count=1,
                source=ActivitySource.XAPI,
            )
    except IntegrityError:
        events.update(count=F("count") + 1)


@transaction.atomic
def receive_statements(
    organisation: Organisation, statements: list[dict[str, Any]]
) -> list[Received]:
    """Store valid statements (the caller validated them), all or none.

    A statement whose id is already stored with the same content is not stored again;
    with other content, `Conflict` is raised and nothing of the batch is kept.
    """
    now = timezone.now()
    received = []
    for statement in statements:
        statement = dict(statement)
        statement.pop("stored", None)
        statement.pop("authority", None)
        statement_id = xapi.normalise_id(statement.get("id") or str(uuid.uuid4()))
        statement["id"] = statement_id
        existing = XapiStatement.objects.filter(
            organisation=organisation, statement_id=statement_id
        ).first()
        if existing is not None:
            if _canonical(existing.raw) != _canonical(statement):
                raise Conflict(statement_id)
            received.append(Received(statement_id, False))
            continue
        actor = statement["actor"]
        account = actor.get("account") if isinstance(actor.get("account"), dict) else {}
        moment = xapi.parse_timestamp(statement["timestamp"]) if "timestamp" in statement else now
        learner = match_learner(organisation, actor)
        display = statement["verb"].get("display") or {}
        try:
            with transaction.atomic():
                XapiStatement.objects.create(
                    organisation=organisation,
                    statement_id=statement_id,
                    learner=learner,
                    actor_mbox=str(actor.get("mbox", ""))[:254],
                    actor_account_homepage=str(account.get("homePage", ""))[:254],
                    actor_account_name=str(account.get("name", ""))[:254],
                    verb_id=statement["verb"]["id"][:254],
                    verb_display=str(next(iter(display.values()), ""))[:200],
                    object_id=str(statement["object"].get("id", ""))[:500],
                    timestamp=moment,
                    stored_at=now,
                    raw=statement,
                )
        except IntegrityError:  # the same id, stored meanwhile by another request
            raw = XapiStatement.objects.get(
                organisation=organisation, statement_id=statement_id
            ).raw
            if _canonical(raw) != _canonical(statement):
                raise Conflict(statement_id) from None
            received.append(Received(statement_id, False))
            continue
        if learner is not None:
            _count_activity(learner, moment, verb_kind(statement["verb"]["id"]))
        received.append(Received(statement_id, True))
    return received
