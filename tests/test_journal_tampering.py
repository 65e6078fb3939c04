"""The attack on the journal, scenario by scenario: someone with write access to the
database (SQL or an ORM update, never the services) alters it; `parcours journal verify`
must fail with exit code 1 and a French message naming the problem. Runs on SQLite and,
with DATABASE_URL set, on PostgreSQL."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F

from parcours.core.journal_chain import chain_key, journal_key, seal_of
from parcours.core.models import JournalChain, JournalEntry, changes_json, entry_digest
from parcours.learners import services as learner_services
from tests.conftest import World


@dataclass
class Target:
    chain: str
    entries: list[JournalEntry]  # in chain order
    other_chain: str
    other_org_id: int
    other_user_id: int

    @property
    def middle(self) -> JournalEntry:
        return self.entries[len(self.entries) // 2]


@pytest.fixture
def target(world_a: World, world_b: World, director, outsider) -> Target:
    for phone in ("0601020304", "0605060708", "0609101112"):  # a longer chain
        learner_services.update_learner(world_a.learner, acting_user=director, phone=phone)
    chain = chain_key(world_a.org.pk)
    entries = list(JournalEntry.objects.filter(chain=chain).order_by("seq"))
    assert len(entries) >= 8
    call_command("journal", "verify")  # intact before the attack
    return Target(chain, entries, chain_key(world_b.org.pk), world_b.org.pk, outsider.pk)


def digest_of(row: JournalEntry, key: bytes | None, prev_hash: str) -> str:
    return entry_digest(
        chain=row.chain,
        seq=row.seq,
        organisation_id=row.organisation_id,
        created_at=row.created_at,
        actor_id=row.actor_id,
        actor_label=row.actor_label,
        action=row.action,
        verb=row.verb,
        object_type=row.object_type,
        object_id=row.object_id,
        object_repr=row.object_repr,
        changes_json=changes_json(row.changes),
        prev_hash=prev_hash,
        key=key,
    )


def rehash_from(t: Target, seq: int, key: bytes | None) -> None:
    """Recompute every hash from `seq` on, as an attacker would, and move the head."""
    rows = list(JournalEntry.objects.filter(chain=t.chain, seq__gte=seq).order_by("seq"))
    prev = JournalEntry.objects.get(chain=t.chain, seq=seq - 1).hash if seq > 1 else "0" * 64
    for row in rows:
        new = digest_of(row, key, prev)
        JournalEntry.objects.filter(pk=row.pk).update(prev_hash=prev, hash=new)
        prev = new
    JournalChain.objects.filter(key=t.chain).update(last_hash=prev)


def edit(**values: object) -> Callable[[Target], None]:
    def attack(t: Target) -> None:
        JournalEntry.objects.filter(pk=t.middle.pk).update(**values)

    return attack


def edit_created_at(t: Target) -> None:
    later = t.middle.created_at + dt.timedelta(minutes=5)
    JournalEntry.objects.filter(pk=t.middle.pk).update(created_at=later)


def edit_actor(t: Target) -> None:
    JournalEntry.objects.filter(pk=t.middle.pk).update(actor_id=t.other_user_id)


def edit_organisation(t: Target) -> None:
    JournalEntry.objects.filter(pk=t.middle.pk).update(organisation_id=t.other_org_id)


def edit_seq(t: Target) -> None:
    JournalEntry.objects.filter(pk=t.middle.pk).update(seq=t.entries[-1].seq + 50)


def edit_hash(t: Target) -> None:
    JournalEntry.objects.filter(pk=t.middle.pk).update(hash="f" * 64)


def delete(*which: int) -> Callable[[Target], None]:
    def attack(t: Target) -> None:
        ids = [t.entries[i].pk for i in which]
        with connection.cursor() as cur:
            cur.execute(
                f"DELETE FROM core_journalentry WHERE id IN ({', '.join(['%s'] * len(ids))})",  # noqa: S608
                ids,
            )

    return attack


def forged_row(t: Target, chain: str, seq: int, organisation_id: int | None) -> JournalEntry:
    row = JournalEntry(
        chain=chain,
        seq=seq,
        organisation_id=organisation_id,
        created_at=t.entries[-1].created_at,
        actor_label="faussaire",
        action="event",
        verb="import.completed",
        object_type="core.organisation",
        object_id=str(organisation_id),
        object_repr="inventé",
        changes={"lignes": 12},
        prev_hash="0" * 64,
    )
    row.hash = digest_of(row, None, row.prev_hash)
    return row


def insert_after_head(t: Target) -> None:
    last = t.entries[-1]
    row = forged_row(t, t.chain, last.seq + 1, last.organisation_id)
    row.prev_hash = last.hash
    row.hash = digest_of(row, None, last.hash)
    JournalEntry.objects.bulk_create([row])


def insert_in_the_middle(t: Target) -> None:
    """Make room by renumbering the later entries (in two passes: unique (chain, seq))."""
    at = t.middle.seq
    later = JournalEntry.objects.filter(chain=t.chain, seq__gte=at)
    later.update(seq=F("seq") + 100_000)
    JournalEntry.objects.filter(chain=t.chain, seq__gte=100_000).update(seq=F("seq") - 100_000 + 1)
    row = forged_row(t, t.chain, at, t.middle.organisation_id)
    prev = JournalEntry.objects.get(chain=t.chain, seq=at - 1).hash
    row.prev_hash, row.hash = prev, digest_of(row, None, prev)
    JournalEntry.objects.bulk_create([row])


def insert_under_a_made_up_chain(t: Target) -> None:
    JournalEntry.objects.bulk_create([forged_row(t, "org-987654", 1, t.other_org_id)])


def swap_two(t: Target) -> None:
    a, b = t.entries[2], t.entries[3]
    JournalEntry.objects.filter(pk=a.pk).update(seq=-1)
    JournalEntry.objects.filter(pk=b.pk).update(seq=a.seq)
    JournalEntry.objects.filter(pk=a.pk).update(seq=b.seq)


def move_to_another_chain(t: Target) -> None:
    other_last = JournalChain.objects.get(key=t.other_chain).last_seq
    JournalEntry.objects.filter(pk=t.middle.pk).update(
        chain=t.other_chain, seq=other_last + 1, organisation_id=t.other_org_id
    )


def delete_the_head(t: Target) -> None:
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_journalchain WHERE key = %s", [t.chain])


def truncate_and_rewrite_the_head(t: Target) -> None:
    delete(-1, -2, -3)(t)
    new_last = t.entries[-4]
    JournalChain.objects.filter(key=t.chain).update(last_seq=new_last.seq, last_hash=new_last.hash)


def rewrite_and_rehash_with_plain_sha256(t: Target) -> None:
    edit(object_repr="falsifié")(t)
    rehash_from(t, t.middle.seq, None)


def rewrite_and_rehash_with_a_wrong_key(t: Target) -> None:
    edit(changes={"phone": ["", "0700000000"]})(t)
    wrong = b"une-cle-devinee-par-l-attaquant-0123456789"
    rehash_from(t, t.middle.seq, wrong)
    head = JournalChain.objects.get(key=t.chain)
    JournalChain.objects.filter(pk=head.pk).update(seal=seal_of(head, wrong))


def downgrade_to_plain_hashing(t: Target) -> None:
    """Claim every entry predates keyed hashing, then re-hash them all with SHA-256."""
    rehash_from(t, 1, None)
    head = JournalChain.objects.get(key=t.chain)
    JournalChain.objects.filter(pk=head.pk).update(keyed_from=head.last_seq + 1)


MODIFIED = "le contenu a été modifié"
SCENARIOS: dict[str, tuple[Callable[[Target], None], str]] = {
    # Each hashed field, edited on one entry.
    "edit-action": (edit(action="delete"), MODIFIED),
    "edit-verb": (edit(verb="messaging.sent"), MODIFIED),
    "edit-object-type": (edit(object_type="learners.tutor"), MODIFIED),
    "edit-object-id": (edit(object_id="999"), MODIFIED),
    "edit-object-repr": (edit(object_repr="falsifié"), MODIFIED),
    "edit-changes": (edit(changes={}), MODIFIED),
    "edit-created-at": (edit_created_at, MODIFIED),
    "edit-actor": (edit_actor, MODIFIED),
    "edit-actor-label": (edit(actor_label="Quelqu'un d'autre"), MODIFIED),
    "edit-organisation": (edit_organisation, "n'appartient pas à l'organisation"),
    "edit-seq": (edit_seq, "entrée manquante"),
    "edit-prev-hash": (edit(prev_hash="e" * 64), "lien vers l'entrée précédente est rompu"),
    "edit-hash": (edit_hash, MODIFIED),
    # Deletions.
    "delete-first": (delete(0), "entrée manquante"),
    "delete-middle": (delete(4), "entrée manquante"),
    "delete-last": (delete(-1), "tronquée"),
    "delete-last-three": (delete(-1, -2, -3), "tronquée"),
    # Insertions, swaps, moves.
    "insert-after-the-head": (insert_after_head, "au-delà de la tête"),
    "insert-in-the-middle": (insert_in_the_middle, MODIFIED),
    "insert-under-a-made-up-chain": (insert_under_a_made_up_chain, "tête de chaîne est absente"),
    "swap-two-entries": (swap_two, "lien vers l'entrée précédente est rompu"),
    "move-to-another-chain": (move_to_another_chain, "entrée manquante"),
    # The head.
    "delete-the-head": (delete_the_head, "tête de chaîne est absente"),
    "truncate-with-the-head-rewritten": (truncate_and_rewrite_the_head, "a été réécrite"),
    # Re-hashing without the key.
    "rehash-with-plain-sha256": (rewrite_and_rehash_with_plain_sha256, "a été réécrite"),
    "rehash-with-a-wrong-key": (rewrite_and_rehash_with_a_wrong_key, "a été réécrite"),
    "downgrade-to-plain-sha256": (downgrade_to_plain_hashing, "a été réécrite"),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_verify_fails_naming_the_tampering(target: Target, name: str) -> None:
    attack, expected = SCENARIOS[name]

    attack(target)

    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify")
    assert exc.value.returncode == 1
    message = str(exc.value)
    assert message.startswith("Journal altéré — ")
    assert expected in message, message


def test_rehashing_entries_without_touching_the_head_is_still_caught(target: Target) -> None:
    """Someone who re-hashes with SHA-256 but leaves the head alone: the entry is named."""
    edit(object_repr="falsifié")(target)
    rows = JournalEntry.objects.filter(chain=target.chain, seq__gte=target.middle.seq)
    prev = JournalEntry.objects.get(chain=target.chain, seq=target.middle.seq - 1).hash
    for row in rows.order_by("seq"):
        new = digest_of(row, None, prev)
        JournalEntry.objects.filter(pk=row.pk).update(prev_hash=prev, hash=new)
        prev = new

    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify")
    message = str(exc.value)
    assert f"entrée n° {target.middle.seq}" in message and MODIFIED in message


def test_the_real_key_rehashes_a_valid_chain(target: Target) -> None:
    """The scenarios above fail for want of the key, not because re-hashing is broken."""
    rehash_from(target, 1, journal_key())
    call_command("journal", "verify")
