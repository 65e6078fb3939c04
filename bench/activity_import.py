"""Activity import speed and memory: N generated LMS activity rows for E enrolments,
imported into a fresh organisation on PostgreSQL and on SQLite. Prints figures; asserts
nothing.

    .venv/bin/python bench/activity_import.py [--rows 10000000] [--enrolments 200000]
        [--sqlite-rows 1000000] [--postgres URL] [--no-sqlite] [--no-again]

PostgreSQL: `--postgres URL` or DATABASE_URL (default postgres://postgres@127.0.0.1:5432)
names the server; a scratch database `parcours_bench_act` is created, then dropped.
SQLite: a temporary file database, with `--sqlite-rows` rows (0 to skip).
For each backend, one process sets the organisation up (sessions, learners,
enrolments), then another imports the activity file (then imports it again, which
changes nothing): its peak memory (maxrss) is the activity import's own.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SCRATCH_DB = "parcours_bench_act"
SESSIONS = 50
KINDS = ("resource", "quiz", "forum", "login", "page", "url")


def generate_people(folder: Path, enrolments: int) -> None:
    with (folder / "sessions.csv").open("w", encoding="utf-8") as f:
        f.write("external_id,title,category,modality,start_date,end_date,duration_hours\n")
        for s in range(SESSIONS):
            f.write(f"S{s:03d},Session {s},AF,distanciel,2026-01-05,2026-12-18,120\n")
    with (folder / "learners.csv").open("w", encoding="utf-8") as f:
        f.write("external_id,last_name,first_name,email,phone,disability\n")
        f.writelines(f"L{i:07d},Nom{i},Prénom,,,0\n" for i in range(enrolments))
    with (folder / "enrolments.csv").open("w", encoding="utf-8") as f:
        f.write("learner_external_id,session_external_id,enrolled_on,status,ended_on,end_reason\n")
        f.writelines(
            f"L{i:07d},S{i % SESSIONS:03d},2026-01-05,en_cours,,\n" for i in range(enrolments)
        )


def generate_activity(path: Path, rows: int, enrolments: int) -> None:
    """Row j: enrolment j % E, on day j // E of the year, one kind per day (all unique);
    one row in ten has a time of day."""
    import datetime as dt

    days = [(dt.date(2026, 1, 5) + dt.timedelta(days=d)).isoformat() for d in range(366)]
    with path.open("w", encoding="utf-8") as f:
        f.write("learner_external_id,session_external_id,occurred_at,kind,count\n")
        chunk = []
        for j in range(rows):
            e, d = j % enrolments, j // enrolments
            when = days[d % 366] + ("T14:30:00+01:00" if j % 10 == 0 else "")
            kind = KINDS[d % len(KINDS)] if d < 366 else f"k{d}"
            chunk.append(f"L{e:07d},S{e % SESSIONS:03d},{when},{kind},{1 + j % 7}\n")
            if len(chunk) == 100_000:
                f.writelines(chunk)
                chunk.clear()
        f.writelines(chunk)


def setup_child(folder: Path) -> None:
    from django.core.management import call_command

    from parcours.core.imports import run_import
    from parcours.core.services import create_organisation

    call_command("migrate", verbosity=0)
    org = create_organisation(acting_user=None, name="Banc d'essai", slug="banc")
    for kind in ("sessions", "learners", "enrolments"):
        report = run_import(kind, folder / f"{kind}.csv", organisation=org, label="banc")
        assert report.ok, report.error_summary()


def activity_child(path: Path, again: bool) -> None:
    from parcours.core.imports import run_import
    from parcours.core.models import Organisation

    org = Organisation.objects.get(slug="banc")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = ["first import", "same file again"] if again else ["first import"]
    first = 0.0
    for label in runs:
        t0 = time.perf_counter()
        report = run_import("activity", path, organisation=org, label="banc")
        elapsed = time.perf_counter() - t0
        assert report.ok, report.error_summary()
        print(
            f"  activity, {label:16s} {report.rows:>11,d} rows {elapsed:8.1f} s "
            f"{report.rows / elapsed:>10,.0f} rows/s  (created {report.created:,d}, "
            f"updated {report.updated:,d}, unchanged {report.unchanged:,d})",
            flush=True,
        )
        first = first or elapsed
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"  peak memory (maxrss) of the import process: {peak / 1024:,.0f} MiB "
        f"(after Django set-up: {base / 1024:,.0f} MiB)",
        flush=True,
    )
    # Measured after the peak, so that its own memory does not count.
    rows, floor = bare_load(path)
    print(
        f"  baseline: the same file loaded bare {rows:>8,d} rows {floor:8.1f} s "
        f"{rows / floor:>10,.0f} rows/s  → the import takes {first / floor:.1f}× the bare load",
        flush=True,
    )


def bare_load(path: Path) -> tuple[int, float]:
    """The floor: the file's rows copied as text into a temporary table, with no parsing,
    no validation, no lookup and no upsert (COPY on PostgreSQL, executemany on SQLite)."""
    import csv

    from django.db import connection, transaction

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bare_activity (learner text, session text, at text, kind text, n text)"
        )
        if connection.vendor == "postgresql":
            with (
                path.open("rb") as f,
                cursor.copy("COPY bare_activity FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        else:
            with path.open(encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                cursor.executemany("INSERT INTO bare_activity VALUES (%s, %s, %s, %s, %s)", reader)
        cursor.execute("SELECT count(*) FROM bare_activity")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bare_activity")
    return rows, time.perf_counter() - t0


def child(step: str, target: Path, again: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    import django

    django.setup()
    if step == "setup":
        setup_child(target)
    else:
        activity_child(target, again)


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def run_backend(name: str, folder: Path, activity: Path, env: dict[str, str], again: bool) -> int:
    print(f"\n== {name} ==", flush=True)
    base = [sys.executable, __file__]
    t0 = time.perf_counter()
    code = subprocess.run(
        [*base, "--child", "setup", "--target", str(folder)], env=env, cwd=ROOT, check=False
    ).returncode
    print(f"  set-up (sessions, learners, enrolments): {time.perf_counter() - t0:.1f} s")
    if code:
        return code
    command = [*base, "--child", "activity", "--target", str(activity)]
    if again:
        command.append("--again")
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows on PostgreSQL")
    parser.add_argument("--enrolments", type=int, default=200_000)
    parser.add_argument("--sqlite-rows", type=int, default=1_000_000, help="0: no SQLite run")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="'' for no PostgreSQL run",
    )
    parser.add_argument("--no-again", action="store_true", help="skip the re-import")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--again", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.target, args.again)
        return 0
    again = not args.no_again
    failed = 0
    with tempfile.TemporaryDirectory(prefix="parcours-bench-act-") as tmp:
        folder = Path(tmp)
        generate_people(folder, args.enrolments)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        if args.postgres and args.rows:
            activity = folder / "activity.csv"
            t0 = time.perf_counter()
            generate_activity(activity, args.rows, args.enrolments)
            size = activity.stat().st_size / 1e6
            print(
                f"{args.rows:,d} activity rows ({size:,.0f} MB) for {args.enrolments:,d} "
                f"enrolments generated in {time.perf_counter() - t0:.1f} s",
                flush=True,
            )
            import psycopg

            admin = with_database(args.postgres, "postgres")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
                conn.execute(f"CREATE DATABASE {SCRATCH_DB}")
            try:
                env["DATABASE_URL"] = with_database(args.postgres, SCRATCH_DB)
                failed |= run_backend(f"PostgreSQL ({SCRATCH_DB})", folder, activity, env, again)
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
                activity.unlink()
            env.pop("DATABASE_URL")
        if args.sqlite_rows:
            activity = folder / "activity-sqlite.csv"
            generate_activity(activity, args.sqlite_rows, args.enrolments)
            print(f"\n{args.sqlite_rows:,d} activity rows generated for SQLite", flush=True)
            env["PARCOURS_VAR_DIR"] = str(folder / "var")
            failed |= run_backend("SQLite (temporary file)", folder, activity, env, again)
    return failed


if __name__ == "__main__":
    sys.exit(main())
