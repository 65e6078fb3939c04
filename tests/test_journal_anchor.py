"""The journal proves itself beyond the database: keyed hashes, chains written before the
key, heads kept elsewhere (`journal head`, `verify --anchor`, the weekly e-mail to the
direction) and the head printed at the foot of every PDF."""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pypdf import PdfReader

from parcours.core import jobs, journal_chain
from parcours.core.journal_chain import chain_key, journal_key, parse_anchors
from parcours.core.models import JournalChain, JournalEntry, changes_json, entry_digest
from parcours.learners import services as learner_services
from parcours.messaging.models import Message
from tests.conftest import World
from tests.smtp import free_port, smtp_server

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)  # a Monday


def head_file(tmp_path: Path, name: str = "tetes.txt") -> Path:
    out = io.StringIO()
    call_command("journal", "head", stdout=out)
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def more_entries(world: World, director: Any, n: int = 3) -> None:
    for i in range(n):
        learner_services.update_learner(world.learner, acting_user=director, phone=f"060000000{i}")


def plain_rehash(chain: str, key: bytes | None) -> None:
    """What an insider holding the key could do: rewrite a chain that verifies again."""
    prev = "0" * 64
    for row in JournalEntry.objects.filter(chain=chain).order_by("seq"):
        new = entry_digest(
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
            prev_hash=prev,
            key=key,
        )
        JournalEntry.objects.filter(pk=row.pk).update(prev_hash=prev, hash=new)
        prev = new
    head = JournalChain.objects.get(key=chain)
    head.last_hash = prev
    head.seal = journal_chain.seal_of(head)
    head.save(update_fields=["last_hash", "seal"])


def test_head_prints_each_chain_in_a_form_read_back(world_a: World, world_b: World) -> None:
    out = io.StringIO()
    call_command("journal", "head", stdout=out)
    text = out.getvalue()
    head_a = JournalChain.objects.get(key=chain_key(world_a.org.pk))
    assert f"{head_a.key} {head_a.last_seq} {head_a.last_hash}  # Forma Plus" in text
    assert text.startswith("# Journal Parcours : têtes de chaîne au ")
    anchors = parse_anchors(text)
    assert {a.chain for a in anchors} == {chain_key(world_a.org.pk), chain_key(world_b.org.pk)}
    assert all(len(a.hash) == 64 for a in anchors)


def test_verify_anchor_passes_while_the_journal_grows(world_a: World, director, tmp_path) -> None:
    anchor = head_file(tmp_path)
    more_entries(world_a, director)
    out = io.StringIO()
    call_command("journal", "verify", "--anchor", str(anchor), stdout=out)
    assert "Journal intègre" in out.getvalue() and "prolonge les 1 tête(s)" in out.getvalue()


def test_verify_anchor_catches_a_truncation_behind_a_restored_older_head(
    world_a: World, director, tmp_path
) -> None:
    """The attacker keeps a copy of an older, validly sealed head; later they cut the
    chain back to it. Without an anchor the journal looks whole; with one it does not."""
    chain = chain_key(world_a.org.pk)
    old = JournalChain.objects.get(key=chain)
    more_entries(world_a, director)
    anchor = head_file(tmp_path)
    JournalEntry.objects.filter(chain=chain, seq__gt=old.last_seq).delete()
    JournalChain.objects.filter(key=chain).update(
        last_seq=old.last_seq, last_hash=old.last_hash, seal=old.seal
    )
    call_command("journal", "verify")  # consistent on its own

    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify", "--anchor", str(anchor))
    assert exc.value.returncode == 1
    assert "tronquée sous la tête conservée" in str(exc.value)


def test_verify_anchor_catches_a_chain_rewritten_with_the_key(world_a: World, tmp_path) -> None:
    chain = chain_key(world_a.org.pk)
    anchor = head_file(tmp_path)
    JournalEntry.objects.filter(chain=chain, seq=2).update(object_repr="réécrit")
    plain_rehash(chain, journal_key())
    call_command("journal", "verify")

    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify", "--anchor", str(anchor))
    assert "la chaîne a été réécrite" in str(exc.value)


def test_an_anchored_chain_whose_every_row_was_deleted_is_missed_no_longer(
    world_a: World, tmp_path
) -> None:
    chain = chain_key(world_a.org.pk)
    anchor = head_file(tmp_path)
    JournalEntry.objects.filter(chain=chain).delete()
    JournalChain.objects.filter(key=chain).delete()
    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify", "--anchor", str(anchor))
    assert "tête de chaîne est absente" in str(exc.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("org-1 douze " + "a" * 64 + "\n", "ligne 1 illisible"),
        ("# rien\n\n", "aucune tête de chaîne"),
        ("org-1 3 abc\n", "ligne 1 illisible"),
        ("chaine-x 3 " + "a" * 64 + "\n", "ligne 1 illisible"),
    ],
    ids=["seq-not-a-number", "empty", "short-hash", "unknown-chain"],
)
def test_a_bad_anchor_file_gets_a_french_message(
    world_a: World, tmp_path, content: str, expected: str
) -> None:
    path = tmp_path / "ancre.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify", "--anchor", str(path))
    assert expected in str(exc.value)
    with pytest.raises(CommandError) as missing:
        call_command("journal", "verify", "--anchor", str(tmp_path / "absent.txt"))
    assert "Fichier d'ancrage illisible" in str(missing.value)


def test_chains_written_before_the_key_still_verify_and_cannot_be_downgraded(
    world_a: World, director
) -> None:
    """A chain from before keyed hashing (plain SHA-256) is sealed by the migration; the
    entries after it are keyed, and turning them back into SHA-256 is caught."""
    chain = chain_key(world_a.org.pk)
    plain_rehash(chain, None)  # as written before this version
    journal_chain.seal_legacy_chains(JournalChain, journal_key())
    legacy_end = JournalChain.objects.get(key=chain).last_seq
    call_command("journal", "verify")

    more_entries(world_a, director)
    head = JournalChain.objects.get(key=chain)
    assert head.keyed_from == legacy_end + 1 and head.last_seq > legacy_end
    call_command("journal", "verify")
    last = JournalEntry.objects.get(chain=chain, seq=head.last_seq)
    assert last.hash == last.compute_hash(journal_key()) != last.compute_hash(None)

    plain_rehash(chain, None)  # the keyed entries re-hashed in SHA-256, head resealed
    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify")
    assert f"entrée n° {legacy_end + 1}" in str(exc.value)
    assert "le contenu a été modifié" in str(exc.value)


def test_verify_for_one_organisation_also_checks_entries_moved_out_of_its_chain(
    world_a: World, world_b: World
) -> None:
    entry = JournalEntry.objects.filter(chain=chain_key(world_a.org.pk)).order_by("seq").last()
    JournalEntry.objects.filter(pk=entry.pk).update(chain="org-424242", seq=1)
    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify", "--organisation", world_a.org.slug)
    assert "tronquée" in str(exc.value) or "tête de chaîne est absente" in str(exc.value)


# The key


def settings_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    clean.pop("JOURNAL_KEY", None)
    clean.pop("JOURNAL_KEY_FILE", None)
    clean.update({"PARCOURS_VAR_DIR": str(tmp_path)}, **env)
    return subprocess.run(
        [sys.executable, "-m", "parcours", "check"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_journal_key_is_generated_outside_the_database_or_taken_from_the_environment(
    tmp_path,
) -> None:
    assert settings_check(tmp_path).returncode == 0
    generated = (tmp_path / "journal_key").read_text()
    assert len(generated) >= 32 and (tmp_path / "journal_key").stat().st_mode & 0o077 == 0

    short = settings_check(tmp_path, JOURNAL_KEY="trop-courte")
    assert short.returncode != 0 and "JOURNAL_KEY" in short.stderr.splitlines()[-1]
    missing = settings_check(tmp_path, JOURNAL_KEY_FILE=str(tmp_path / "absente"))
    assert missing.returncode != 0 and "JOURNAL_KEY_FILE" in missing.stderr
    key_file = tmp_path / "cle"
    key_file.write_text("k" * 40)
    assert settings_check(tmp_path, JOURNAL_KEY_FILE=str(key_file)).returncode == 0


def test_another_key_makes_every_keyed_chain_fail(world_a: World, settings) -> None:
    settings.JOURNAL_KEY = "une-autre-cle-que-celle-du-serveur-0123456789"
    with pytest.raises(CommandError) as exc:
        call_command("journal", "verify")
    assert "a été réécrite" in str(exc.value)


# The weekly e-mail to the direction


def test_the_direction_receives_the_head_by_email_once_a_week(
    world_a: World, director, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    monday = dt.datetime(2026, 11, 30, 7, 0, tzinfo=PARIS)
    with time_machine.travel(NOW, tick=False) as clock:
        with smtp_server(settings.EMAIL_PORT) as (inbox, _port):
            jobs.work(once=True)  # the first one goes out on the next Monday morning
            assert not Message.objects.filter(related_key="journal.head").exists()
            clock.move_to(monday)
            head = journal_chain.head_of(world_a.org.pk)
            jobs.work(once=True)
            clock.shift(dt.timedelta(days=3))
            jobs.work(once=True)  # the same week: nothing more
    sent = [m for m in inbox.messages if m["To"] == director.email]
    assert len(sent) == 1
    assert sent[0]["Subject"].strip() == "Journal Parcours : tête de chaîne au 30/11/2026"
    body = sent[0].get_body(preferencelist=("plain",)).get_content()
    assert f"l'entrée n°{head.seq}, d'empreinte {head.hash}" in body
    anchors = parse_anchors(body.replace("\r\n", "\n").split("\n\n")[-1])
    assert anchors == [head]
    assert journal_chain.verify(anchors=anchors).ok
    # Nobody else was written to, and a week later the next head goes out.
    assert not Message.objects.exclude(to=director.email).filter(related_key="journal.head")
    with time_machine.travel(monday + dt.timedelta(days=7), tick=False):
        jobs.work(once=True)
    assert Message.objects.filter(related_key="journal.head", to=director.email).count() == 2


# PDFs


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_every_pdf_prints_the_journal_head_in_its_footer(
    world_a: World, director, as_director
) -> None:
    with time_machine.travel(NOW, tick=False):
        assert as_director.get(reverse("followup:procedure")).status_code == 200
        assert as_director.get(reverse("safeguarding:procedure")).status_code == 200
        urls = [
            reverse("attendance:session_sheet", args=[world_a.session.pk]),
            reverse("followup:procedure_pdf"),
            reverse("safeguarding:procedure_pdf"),
        ]
        for url in urls:
            response = as_director.get(url)
            assert response.status_code == 200, url
            head = journal_chain.head_of(world_a.org.pk)
            text = pdf_text(response.content)
            expected = f"Journal : {head.chain} n°{head.seq} · {head.hash[:12]}…"
            assert expected in text, (url, text[-300:])
