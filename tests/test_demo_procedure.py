"""A fresh `parcours demo`, then one `parcours worker --once`: the default procedure opens
the cases of the learners who missed their last séances or left the platform, and their
first reminders reach a real SMTP server; a second pass sends nothing new.

Everything runs as an operator would: the real console script, in subprocesses, on a
SQLite file of its own, against an aiosmtpd server on loopback.
"""

import os
import random
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.utils import timezone

from parcours.demo.builder import DEFAULT_LEARNERS, DEFAULT_SEED, DEMO_DOMAIN, DEMO_NAME, _Plan
from tests.smtp import smtp_server

PARCOURS = [sys.executable, "-m", "parcours"]
ABSENCES_SUBJECT = "nous avons remarqué vos absences"
INACTIVITY_SUBJECT = "nous ne vous voyons plus sur la plateforme"


def parcours(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*PARCOURS, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def env(fresh_var: Path) -> dict[str, str]:
    environment = {**os.environ, "PARCOURS_VAR_DIR": str(fresh_var), "EMAIL_TIMEOUT": "5"}
    for name in ("DATABASE_URL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_BACKEND"):
        environment.pop(name, None)
    return environment


def test_one_worker_pass_opens_the_cases_and_sends_the_first_reminders_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    today = timezone.localdate()
    parcours(env, "demo", "--today", today.isoformat())
    # Who the demo promises the procedure will catch (same seed, same day, same plan).
    plan = _Plan(random.Random(DEFAULT_SEED), today, DEFAULT_LEARNERS)  # noqa: S311
    expected: dict[str, tuple[str, str, str]] = {}
    for kind, subject, picked in (
        ("absences", ABSENCES_SUBJECT, plan.absentees),
        ("inactivite", INACTIVITY_SUBJECT, plan.inactive),
    ):
        for n, enrolment in picked:
            learner = plan.learners[n]
            title = plan.sessions[enrolment.session].title
            expected[learner.email] = (kind, f"{title} : {subject}", learner.first_name)
    assert len(plan.absentees) == 4 and len(plan.inactive) == 3
    assert plan.near_miss is not None
    # One of those caught has an excused absence inside the run: it does not break it.
    assert any("excuse" in [m[1] for m in e.marks[-4:]] for _n, e in plan.absentees)

    with smtp_server() as (inbox, port):
        env.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port))
        parcours(env, "worker", "--once")
        first = list(inbox.messages)
        inbox.messages.clear()
        parcours(env, "worker", "--once")
        second = list(inbox.messages)

    # The demo's register holds no entry past its deadline: nothing escalates (the
    # escalation itself: tests/test_complaints_deadlines.py).
    assert not [m for m in first if "en retard" in one_line(m["Subject"])]
    received = {str(m["To"]): m for m in first}
    assert len(first) == len(expected) == len(received)
    assert set(received) == set(expected)
    for address, (_kind, subject, first_name) in expected.items():
        message = received[address]
        assert address.endswith(f"@apprenants.{DEMO_DOMAIN}")
        assert one_line(message["Subject"]) == one_line(subject)
        text = body(message)
        assert f"Bonjour {first_name}," in text
        assert DEMO_NAME in text and "{{" not in text
    assert second == []

    with sqlite3.connect(tmp_path / "parcours.sqlite3") as db:
        cases = db.execute(
            """SELECT l.email, c.trigger_kind, c.status
               FROM followup_followupcase c
               JOIN learners_enrolment e ON e.id = c.enrolment_id
               JOIN learners_learner l ON l.id = e.learner_id
               WHERE c.trigger_kind IN ('absences', 'inactivite')"""
        ).fetchall()
        sent = db.execute(
            "SELECT m.status, COUNT(*) FROM messaging_message m GROUP BY m.status"
        ).fetchall()
        # One case per learner's episode: no enrolment holds two open cases.
        doubled = db.execute(
            """SELECT enrolment_id FROM followup_followupcase WHERE status = 'ouvert'
               GROUP BY enrolment_id HAVING COUNT(*) > 1"""
        ).fetchall()
    assert doubled == []
    assert sorted(cases) == sorted(
        (address, kind, "ouvert") for address, (kind, _s, _f) in expected.items()
    )
    near_miss = plan.learners[plan.near_miss[0]].email
    assert near_miss not in {address for address, *_ in cases}
    assert dict(sent) == {"envoye": len(expected)}
