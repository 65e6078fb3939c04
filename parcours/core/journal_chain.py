"""The journal's chains: their keys and heads, verification, and anchors.

Each organisation has its own chain (`org-<id>`; `system` for what belongs to none). An
entry's hash covers its content and the hash of the entry before it, so changing,
deleting or inserting a row behind the application's back breaks the chain at that row.
Hashes are HMACs under a key kept outside the database (settings.JOURNAL_KEY): someone
who can write to the database but does not hold the key cannot re-hash a rewritten
chain. Entries written before keyed hashing existed keep their plain SHA-256; the
chain's head records where keyed hashing starts, and is itself sealed with the key.

An anchor is a copy of the heads kept elsewhere (printed by `parcours journal head`,
mailed weekly to the direction): `verify(anchors=...)` proves that today's chains still
extend every anchored head, which catches a truncated chain whose head was rewritten.
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.models import JournalChain, JournalEntry, chain_seal

SYSTEM_CHAIN = "system"
GENESIS = "0" * 64
_ORG_CHAIN = re.compile(r"^org-([1-9][0-9]*)$")
_HASH = re.compile(r"^[0-9a-f]{64}$")


def chain_key(organisation_id: int | None) -> str:
    return f"org-{organisation_id}" if organisation_id else SYSTEM_CHAIN


def chain_organisation(key: str) -> int | None:
    """The organisation a chain key names (None for the system chain); ValueError if none."""
    if key == SYSTEM_CHAIN:
        return None
    match = _ORG_CHAIN.match(key)
    if match is None:
        raise ValueError(key)
    return int(match.group(1))


def journal_key() -> bytes:
    return str(settings.JOURNAL_KEY).encode()


def seal_of(head: Any, key: bytes | None = None) -> str:
    return chain_seal(
        key=key or journal_key(),
        chain=head.key,
        last_seq=head.last_seq,
        last_hash=head.last_hash,
        keyed_from=head.keyed_from,
    )


def seal_legacy_chains(chain_model: Any, key: bytes) -> int:
    """Mark where keyed hashing starts on chains written before it existed: their entries
    so far stay plain SHA-256, every later one is keyed. (Run by the migration.)"""
    count = 0
    for head in chain_model.objects.all():
        head.keyed_from = head.last_seq + 1
        head.seal = seal_of(head, key)
        head.save(update_fields=["keyed_from", "seal"])
        count += 1
    return count


# Heads and anchors


@dataclass(frozen=True)
class Head:
    chain: str
    seq: int
    hash: str

    def line(self, comment: str = "") -> str:
        text = f"{self.chain} {self.seq} {self.hash}"
        return f"{text}  # {comment}" if comment else text


def heads(organisation_id: int | None = None) -> list[Head]:
    rows = JournalChain.objects.order_by("key")
    if organisation_id is not None:
        rows = rows.filter(key=chain_key(organisation_id))
    return [Head(row.key, row.last_seq, row.last_hash) for row in rows]


def head_of(organisation_id: int | None) -> Head:
    key = chain_key(organisation_id)
    row = JournalChain.objects.filter(key=key).first()
    return Head(key, 0, GENESIS) if row is None else Head(key, row.last_seq, row.last_hash)


def anchor_text(found: Iterable[Head], *, as_of: dt.datetime, names: dict[str, str]) -> str:
    """The heads in a form a person can keep and `verify --anchor` can read back."""
    when = timezone.localtime(as_of).strftime("%d/%m/%Y %H:%M %Z")
    lines = [
        "# " + _("Journal Parcours : têtes de chaîne au %(when)s") % {"when": when},
        "# "
        + _(
            "Une ligne par chaîne : nom, numéro de la dernière entrée, empreinte. "
            "Gardez ce fichier hors de la base ; « parcours journal verify --anchor "
            "FICHIER » prouve que le journal le prolonge toujours."
        ),
    ]
    lines += [head.line(names.get(head.chain, "")) for head in found]
    return "\n".join(lines) + "\n"


def footer(organisation_id: int | None) -> str:
    """The head of an organisation's chain, printed at the foot of every PDF."""
    head = head_of(organisation_id)
    return _("Journal : %(chain)s n°%(seq)s · %(hash)s…") % {
        "chain": head.chain,
        "seq": head.seq,
        "hash": head.hash[:12],
    }


class AnchorError(ValueError):
    pass


def parse_anchors(text: str) -> list[Head]:
    """Read back what `anchor_text` printed; a bad line raises AnchorError (in French)."""
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if (
            len(parts) != 3
            or not parts[1].isdigit()
            or not _HASH.match(parts[2])
            or not _is_chain_key(parts[0])
        ):
            raise AnchorError(
                _(
                    "ligne %(number)s illisible : « %(line)s » (attendu : chaîne, numéro, "
                    "empreinte de 64 caractères hexadécimaux)"
                )
                % {"number": number, "line": raw[:80]}
            )
        found.append(Head(parts[0], int(parts[1]), parts[2]))
    if not found:
        raise AnchorError(_("le fichier ne contient aucune tête de chaîne"))
    return found


def _is_chain_key(key: str) -> bool:
    try:
        chain_organisation(key)
    except ValueError:
        return False
    return True


# Verification


@dataclass
class Problem:
    chain: str
    seq: int | None
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        if self.seq is None:
            where = _("chaîne %(chain)s") % {"chain": self.chain}
        else:
            where = _("entrée n° %(seq)s de la chaîne %(chain)s") % {
                "seq": self.seq,
                "chain": self.chain,
            }
        if self.entry_id is not None:
            where += f" (id {self.entry_id})"
        return f"{where} : {self.reason}"


@dataclass
class Verification:
    chains: int = 0
    entries: int = 0
    anchors: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def chains_to_verify(organisation_id: int | None = None) -> list[str]:
    """Every chain that a head or any entry names, not only those with a head."""
    entries = JournalEntry.objects.all()
    head_rows = JournalChain.objects.all()
    if organisation_id is not None:
        own = chain_key(organisation_id)
        entries = entries.filter(organisation_id=organisation_id) | entries.filter(chain=own)
        head_rows = head_rows.filter(key=own)
    keys = set(entries.values_list("chain", flat=True).distinct())
    keys |= set(head_rows.values_list("key", flat=True))
    return sorted(keys)


def verify(
    organisation_id: int | None = None,
    *,
    anchors: Iterable[Head] = (),
    stop_at_first: bool = True,
) -> Verification:
    """Recompute every chain; the first problem of each chain is reported.

    With anchors, each anchored head must still be an entry of today's chain, with the
    same hash: the chain may have grown since, never been cut or rewritten.
    """
    result = Verification()
    keys = chains_to_verify(organisation_id)
    anchored: dict[str, list[Head]] = {}
    for anchor in anchors:
        if organisation_id is None or anchor.chain == chain_key(organisation_id):
            anchored.setdefault(anchor.chain, []).append(anchor)
            result.anchors += 1
    keys = sorted(set(keys) | set(anchored))
    key = journal_key()
    for name in keys:
        result.chains += 1
        problem = _verify_chain(name, key, anchored.get(name, []), result)
        if problem:
            result.problems.append(problem)
            if stop_at_first:
                break
    return result


def _verify_chain(
    name: str, key: bytes, anchors: list[Head], result: Verification
) -> Problem | None:
    try:
        organisation_id = chain_organisation(name)
    except ValueError:
        return Problem(name, None, None, _("nom de chaîne inconnu (entrées insérées ?)"))
    head = JournalChain.objects.filter(key=name).first()
    if head is None:
        return Problem(name, None, None, _("la tête de chaîne est absente (supprimée ?)"))
    if head.seal != seal_of(head, key):
        return Problem(
            name, None, None, _("la tête de chaîne a été réécrite (son sceau ne correspond pas)")
        )
    wanted = {a.seq: a for a in anchors}
    seen: dict[int, str] = {0: GENESIS}
    expected_seq, prev = 1, GENESIS
    rows = JournalEntry.objects.filter(chain=name).order_by("seq").iterator(chunk_size=5000)
    for entry in rows:
        result.entries += 1
        problem = _check_entry(entry, expected_seq, prev, organisation_id, head, key)
        if problem:
            return problem
        if entry.seq in wanted:
            seen[entry.seq] = entry.hash
        expected_seq, prev = entry.seq + 1, entry.hash
    last = expected_seq - 1
    if last < head.last_seq:
        return Problem(name, last + 1, None, _("la fin de la chaîne a été tronquée"))
    if head.last_hash != prev:
        return Problem(name, last, None, _("la tête ne correspond pas à la dernière entrée"))
    for anchor in sorted(anchors, key=lambda a: a.seq):
        if anchor.seq not in seen:
            return Problem(
                name,
                anchor.seq,
                None,
                _(
                    "l'entrée ancrée n'existe plus : la chaîne a été tronquée sous la tête "
                    "conservée (n° %(seq)s)"
                )
                % {"seq": anchor.seq},
            )
        if seen[anchor.seq] != anchor.hash:
            return Problem(
                name,
                anchor.seq,
                None,
                _("l'empreinte ne correspond plus à la tête conservée : la chaîne a été réécrite"),
            )
    return None


def _check_entry(
    entry: JournalEntry,
    expected_seq: int,
    prev: str,
    organisation_id: int | None,
    head: JournalChain,
    key: bytes,
) -> Problem | None:
    chain = entry.chain
    if entry.seq != expected_seq:
        return Problem(chain, expected_seq, None, _("entrée manquante (supprimée ?)"))
    if entry.seq > head.last_seq:
        return Problem(
            chain, entry.seq, entry.pk, _("entrée au-delà de la tête de chaîne (ajoutée ?)")
        )
    if entry.organisation_id != organisation_id:
        return Problem(
            chain,
            entry.seq,
            entry.pk,
            _("l'entrée n'appartient pas à l'organisation de sa chaîne (déplacée ?)"),
        )
    if entry.prev_hash != prev:
        return Problem(chain, entry.seq, entry.pk, _("le lien vers l'entrée précédente est rompu"))
    keyed = entry.seq >= head.keyed_from
    if entry.compute_hash(key if keyed else None) != entry.hash:
        return Problem(chain, entry.seq, entry.pk, _("le contenu a été modifié"))
    return None
