"""The tamper-evident journal: what a change records, and appending it to the chain.

Each organisation has its own chain. An entry's hash (an HMAC under the journal key)
covers its content and the hash of the entry before it, so changing, deleting or
inserting a row behind the application's back breaks the chain at that row, and
`parcours journal verify` names it. Chains, heads, anchors and verification live in
journal_chain.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from parcours.core.journal_chain import Problem as Problem  # (re-exported)
from parcours.core.journal_chain import Verification as Verification
from parcours.core.journal_chain import chain_key, journal_key, seal_of
from parcours.core.journal_chain import verify as verify
from parcours.core.models import (
    JournalAction,
    JournalChain,
    JournalEntry,
    Organisation,
    User,
    canonical,
    changes_json,
    entry_digest,
)
from parcours.lib.bulk import BulkWriter

COLUMNS = (
    "seq",
    "action",
    "verb",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "prev_hash",
    "hash",
)
# Fields never worth journaling: bookkeeping that changes on every save.
UNTRACKED = {"id", "created_at", "updated_at", "organisation"}


def object_type(obj_or_model: models.Model | type[models.Model]) -> str:
    return obj_or_model._meta.label_lower


def tracked_fields(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.name not in UNTRACKED and f.attname not in UNTRACKED
    ]


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    names = tracked_fields(type(obj)) if fields is None else fields
    return {name: canonical(getattr(obj, name)) for name in names}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for each field whose value changed."""
    keys = list(dict.fromkeys([*before, *after]))
    return {
        k: [before.get(k), after.get(k)]
        for k in keys
        if before.get(k) != after.get(k)
        and not (before.get(k) in (None, "") and after.get(k) in (None, ""))
    }


@dataclass
class Draft:
    """An entry to append, before it has its place in the chain."""

    action: str
    object_type: str
    object_id: str = ""
    object_repr: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    verb: str = ""


def draft_for(action: str, obj: models.Model, changes: dict[str, Any], verb: str = "") -> Draft:
    return Draft(
        action=action,
        object_type=object_type(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=canonical(changes),
        verb=verb,
    )


def actor_label(user: User | None, fallback: str = "") -> str:
    if user is None:
        return fallback or "système"
    return f"{user} <{user.email}>"[:200]


def _lock_chain(key: str) -> JournalChain:
    try:
        return JournalChain.objects.select_for_update().get(key=key)
    except JournalChain.DoesNotExist:
        try:
            with transaction.atomic():
                JournalChain.objects.create(key=key)
        except IntegrityError:
            pass  # another transaction created it first
        return JournalChain.objects.select_for_update().get(key=key)


def append(
    drafts: Sequence[Draft],
    *,
    organisation: Organisation | int | None,
    acting_user: User | None,
    label: str = "",
) -> None:
    """Append entries to the organisation's chain, in the caller's transaction.

    Rows are prepared as plain tuples and inserted in bulk: imports append hundreds of
    thousands of entries, and a model instance per entry would cost more than the data.
    """
    if not drafts:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("journal entries must be written inside the service's transaction")
    org_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    head = _lock_chain(chain_key(org_id))
    now = timezone.now()
    who = actor_label(acting_user, label)
    actor_id = acting_user.pk if acting_user is not None else None
    writer = BulkWriter(
        JournalEntry,
        COLUMNS,
        {
            "chain": head.key,
            "organisation_id": org_id,
            "created_at": now,
            "actor_id": actor_id,
            "actor_label": who,
        },
        prepared_columns={"changes"},
    )
    digest = partial(
        entry_digest,
        chain=head.key,
        organisation_id=org_id,
        created_at=now,
        actor_id=actor_id,
        actor_label=who,
        key=journal_key(),
    )
    rows = []
    seq, prev = head.last_seq, head.last_hash
    for d in drafts:
        seq += 1
        text = changes_json(d.changes)
        digest_ = digest(
            seq=seq,
            action=d.action,
            verb=d.verb,
            object_type=d.object_type,
            object_id=d.object_id,
            object_repr=d.object_repr,
            changes_json=text,
            prev_hash=prev,
        )
        rows.append(
            (seq, d.action, d.verb, d.object_type, d.object_id, d.object_repr, text, prev, digest_)
        )
        prev = digest_
    writer.insert(rows)
    head.last_seq, head.last_hash = seq, prev
    head.seal = seal_of(head)
    head.save(update_fields=["last_seq", "last_hash", "seal"])


def record(
    action: str,
    obj: models.Model,
    *,
    organisation: Organisation | int | None,
    acting_user: User | None,
    changes: dict[str, Any] | None = None,
    verb: str = "",
    label: str = "",
) -> None:
    draft = draft_for(action, obj, changes or {}, verb)
    append([draft], organisation=organisation, acting_user=acting_user, label=label)


def record_event(
    verb: str,
    *,
    organisation: Organisation | int | None,
    acting_user: User | None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    label: str = "",
) -> None:
    """A fact that is not a field change (a login, an import, a verification...)."""
    draft = Draft(
        action=JournalAction.EVENT,
        object_type=object_type(obj) if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=canonical(data or {}),
        verb=verb,
    )
    append([draft], organisation=organisation, acting_user=acting_user, label=label)
