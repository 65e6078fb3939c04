"""Import speed: N learners and their N enrolments (and a few sessions), into a fresh
organisation, on SQLite and, when given, on PostgreSQL. Prints figures; asserts nothing.

    .venv/bin/python bench/import_speed.py [--rows 100000] [--postgres URL]

SQLite: a temporary file database with the project's normal settings (PARCOURS_VAR_DIR
points at a temporary folder). PostgreSQL: `--postgres URL` or DATABASE_URL names the
server; a scratch database `parcours_bench` is created there, then dropped.
Each backend runs in its own process, so that its peak memory (maxrss) is its own.
"""

import argparse
import csv
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SCRATCH_DB = "parcours_bench"
STATUSES = ["inscrit", "en_cours", "termine", "abandon"]


def generate(folder: Path, rows: int, sessions: int = 20) -> None:
    rng = random.Random(20261124)
    start = dt.date(2026, 1, 5)
    with (folder / "sessions.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "external_id",
                "title",
                "category",
                "modality",
                "start_date",
                "end_date",
                "duration_hours",
            ]
        )
        for i in range(sessions):
            begin = start + dt.timedelta(days=14 * i)
            w.writerow(
                [
                    f"S{i:03d}",
                    f"Session {i}",
                    "AF",
                    "hybride",
                    begin,
                    begin + dt.timedelta(days=120),
                    "70.5",
                ]
            )
    with (folder / "learners.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["external_id", "last_name", "first_name", "email", "phone", "disability"])
        for i in range(rows):
            w.writerow(
                [
                    f"L{i:07d}",
                    f"Nom{i}",
                    f"Prénom{i % 997}",
                    f"apprenant{i}@exemple.fr",
                    f"06{i:08d}",
                    int(rng.random() < 0.05),
                ]
            )
    # The same learners, each with a new phone number: a re-import that updates every row.
    with (folder / "learners.csv").open(encoding="utf-8", newline="") as src:
        learners = list(csv.reader(src))
    with (folder / "learners-changed.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(learners[0])
        for row in learners[1:]:
            w.writerow([*row[:4], "07" + row[4][2:], row[5]])
    with (folder / "enrolments.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "learner_external_id",
                "session_external_id",
                "enrolled_on",
                "status",
                "ended_on",
                "end_reason",
            ]
        )
        for i in range(rows):
            enrolled = start + dt.timedelta(days=rng.randrange(0, 300))
            status = rng.choice(STATUSES)
            ended = enrolled + dt.timedelta(days=rng.randrange(0, 200))
            ends = status in ("termine", "abandon")
            w.writerow(
                [
                    f"L{i:07d}",
                    f"S{i % sessions:03d}",
                    enrolled,
                    status,
                    ended if ends else "",
                    "déménagement" if status == "abandon" else "",
                ]
            )


def child(folder: Path, backend: str) -> None:
    """Runs in a fresh process whose environment names the database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from parcours.core import journal
    from parcours.core.imports import run_import
    from parcours.core.models import JournalEntry
    from parcours.core.services import create_organisation

    call_command("migrate", verbosity=0)
    org = create_organisation(acting_user=None, name="Banc d'essai", slug="banc")
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\n== {backend} ==")

    def timed(kind: str, note: str = "", name: str = "") -> tuple[int, float]:
        t0 = time.perf_counter()
        path = folder / (name or f"{kind}.csv")
        report = run_import(kind, path, organisation=org, label="banc d'essai")
        elapsed = time.perf_counter() - t0
        assert report.ok, report.error_summary()
        print(
            f"{kind + note:28s} {report.rows:>8,d} rows {elapsed:7.2f} s "
            f"{report.rows / elapsed:>10,.0f} rows/s  (created {report.created:,d}, "
            f"updated {report.updated:,d}, unchanged {report.unchanged:,d})"
        )
        return report.rows, elapsed

    timed("sessions")
    n1, t1 = timed("learners")
    n2, t2 = timed("enrolments")
    print(
        f"{'learners + enrolments':28s} {n1 + n2:>8,d} rows {t1 + t2:7.2f} s {(n1 + n2) / (t1 + t2):>10,.0f} rows/s"
    )
    n3, t3 = timed("learners", " (again)")
    n4, t4 = timed("enrolments", " (again)")
    print(
        f"{'re-import, unchanged':28s} {n3 + n4:>8,d} rows {t3 + t4:7.2f} s {(n3 + n4) / (t3 + t4):>10,.0f} rows/s"
    )
    timed("learners", " (all changed)", "learners-changed.csv")
    baseline(folder, t1)
    entries = JournalEntry.objects.filter(organisation=org).count()
    t0 = time.perf_counter()
    verified = journal.verify(org.pk)
    print(
        f"journal: {entries:,d} entries, verify {'ok' if verified.ok else 'BROKEN'} "
        f"in {time.perf_counter() - t0:.2f} s"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"peak memory (maxrss): {peak / 1024:,.0f} MiB (after Django set-up: {base_rss / 1024:,.0f} MiB)"
    )


def baseline(folder: Path, import_seconds: float) -> None:
    """The floor: the same learner rows inserted bare, in one transaction, through the
    same bulk writer, with no parsing of values, no validation and no journal."""
    from django.db import transaction

    from parcours.core.services import create_organisation
    from parcours.learners.models import Learner
    from parcours.lib.bulk import BulkWriter

    with (folder / "learners.csv").open(encoding="utf-8", newline="") as f:
        rows = [
            (
                r["external_id"],
                r["last_name"],
                r["first_name"],
                r["email"],
                r["phone"],
                r["disability"] == "1",
            )
            for r in csv.DictReader(f)
        ]
    org = create_organisation(acting_user=None, name="Plancher", slug="plancher")
    columns = ("external_id", "last_name", "first_name", "email", "phone", "disability")
    t0 = time.perf_counter()
    with transaction.atomic():
        BulkWriter(Learner, columns, {"organisation_id": org.pk}).insert(rows)
    floor = time.perf_counter() - t0
    print(
        f"{'baseline: bare INSERT':28s} {len(rows):>8,d} rows {floor:7.2f} s "
        f"{len(rows) / floor:>10,.0f} rows/s  → the learners import takes "
        f"{import_seconds / floor:.1f}× the bare insert"
    )


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def run_child(folder: Path, backend: str, env: dict[str, str]) -> int:
    command = [sys.executable, __file__, "--child", str(folder), "--backend", backend]
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.backend)
        return 0
    with tempfile.TemporaryDirectory(prefix="parcours-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        generate(folder, args.rows)
        print(
            f"{args.rows:,d} learners and enrolments generated in {time.perf_counter() - t0:.1f} s"
        )
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["PARCOURS_VAR_DIR"] = str(folder / "var")
        failed = run_child(folder, "SQLite (temporary file)", env)
        if args.postgres:
            import psycopg

            admin = with_database(args.postgres, "postgres")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
                conn.execute(f"CREATE DATABASE {SCRATCH_DB}")
            try:
                env["DATABASE_URL"] = with_database(args.postgres, SCRATCH_DB)
                failed |= run_child(folder, f"PostgreSQL ({SCRATCH_DB})", env)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
