"""Scoring speed and memory: every active enrolment scored at once, on PostgreSQL, and the
whole night's work (scores stored, then the follow-up's daily scan) before and after.

    .venv/bin/python bench/risk_speed.py [--enrolments 200000] [--activity 10000000]
        [--marks 2000000] [--postgres URL] [--database NAME] [--keep] [--before REV]

Generates, in a scratch database (`parcours_bench_risk` unless --database; created, then
dropped unless --keep): E active enrolments in 2,000 sessions, A LMS activity rows and M
attendance marks (séances of the sessions, one mark per enrolment and séance), plus a few
assessments and results, and a reminder e-mail sent to one enrolment in ten. Then, as
of one date, it times:
  - the floor: one SQL aggregation over the same tables (activity and attendance summed
    per active enrolment, joined to the enrolments), rows fetched by the client;
  - the engine: `parcours risk --as-of D --format csv` in its own process (Django start
    included), all enrolments scored with their reasons and printed, and its peak memory;
  - the same with `--store` (the nightly snapshot: scores kept in the database), with the
    code before (revision --before, exported with `git archive`) and after (this tree);
  - the whole night as the worker does it, in one process each, before and after: the
    nightly scoring job (score and store the snapshot) then the follow-up's daily scan
    (its detection of the default procedure's triggers; opening the cases it finds is
    the same work before and after, and depends on how many episodes are new that day).
    Before, the scan computes the signals again (and looks up each learner's missed
    assessment one by one); after, it reads the trigger columns of the night's snapshot.
Each engine measure is run twice and the faster run is kept (the first warms the
caches); each night once, after those. Prints figures; asserts nothing.
"""

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SCRATCH_DB = "parcours_bench_risk"
SESSIONS = 2000
AS_OF = "2026-06-15"
# The code as it stood before the night's snapshot kept the trigger columns.
BEFORE = "4cb945f"

GENERATE = """
INSERT INTO programmes_session (external_id, title, category, modality, start_date, end_date,
    duration_hours, created_at, updated_at, organisation_id)
SELECT 'S' || s, 'Session ' || s, 'AF', 'hybride', DATE '2026-01-05', DATE '2026-12-18', 400,
    now(), now(), %(org)s
FROM generate_series(0, %(sessions)s - 1) s;

INSERT INTO learners_learner (external_id, last_name, first_name, email, phone, disability, notes,
    created_at, updated_at, organisation_id)
SELECT 'L' || i, 'Nom' || i, 'Prénom', '', '', false, '', now(), now(), %(org)s
FROM generate_series(0, %(enrolments)s - 1) i;

INSERT INTO learners_enrolment (enrolled_on, status, end_reason, created_at, updated_at,
    organisation_id, session_id, learner_id)
SELECT DATE '2026-01-05' + (l.id %% 60)::int, 'en_cours', '', now(), now(), %(org)s,
    (SELECT min(id) FROM programmes_session WHERE organisation_id = %(org)s) + (l.id %% %(sessions)s),
    l.id
FROM learners_learner l WHERE l.organisation_id = %(org)s;

-- Séances: as many per session as marks per enrolment, weekly from late January.
INSERT INTO programmes_slot (starts_at, ends_at, room, label, created_at, organisation_id, session_id)
SELECT TIMESTAMPTZ '2026-01-26 09:00+01' + (k * 14 || ' days')::interval,
       TIMESTAMPTZ '2026-01-26 12:30+01' + (k * 14 || ' days')::interval, '', '', now(), %(org)s, s.id
FROM programmes_session s, generate_series(0, %(per_enrolment_marks)s - 1) k
WHERE s.organisation_id = %(org)s;

INSERT INTO attendance_attendancemark (status, method, justification, justification_note,
    created_at, updated_at, enrolment_id, organisation_id, slot_id)
SELECT CASE WHEN (e.id * 7 + sl.id) %% 10 = 0 THEN 'absent'
            WHEN (e.id * 7 + sl.id) %% 23 = 0 THEN 'excuse'
            WHEN (e.id + sl.id) %% 17 = 0 THEN 'retard' ELSE 'present' END,
       'import', '', '', now(), now(), e.id, %(org)s, sl.id
FROM learners_enrolment e JOIN programmes_slot sl ON sl.session_id = e.session_id
WHERE e.organisation_id = %(org)s;

-- Activity: per enrolment, rows on spread days of the first half-year, several kinds.
INSERT INTO activity_activityevent (occurred_at, day, kind, count, source, enrolment_id, organisation_id)
SELECT (DATE '2026-01-05' + ((k * 3 + e.id) %% 200)::int)::timestamp AT TIME ZONE 'Europe/Paris',
       DATE '2026-01-05' + ((k * 3 + e.id) %% 200)::int,
       (ARRAY['resource','quiz','forum','login','page'])[1 + k %% 5],
       1 + (k + e.id) %% 9, 'import', e.id, %(org)s
FROM learners_enrolment e, generate_series(0, %(per_enrolment_activity)s - 1) k
WHERE e.organisation_id = %(org)s
ON CONFLICT DO NOTHING;

INSERT INTO activity_assessment (organisation_id, session_id, external_id, title, kind, due_date,
    weight, created_at, updated_at)
SELECT %(org)s, s.id, 'A' || s.id || '-' || k, 'Devoir ' || k, 'TMA',
       DATE '2026-02-01' + k * 30, 20, now(), now()
FROM programmes_session s, generate_series(0, 3) k WHERE s.organisation_id = %(org)s;

INSERT INTO activity_result (organisation_id, assessment_id, enrolment_id, submitted_on, score,
    created_at, updated_at)
SELECT %(org)s, a.id, e.id, a.due_date - 1, 40 + (e.id + a.id) %% 60, now(), now()
FROM learners_enrolment e JOIN activity_assessment a ON a.session_id = e.session_id
WHERE e.organisation_id = %(org)s AND a.due_date < %(as_of)s::date AND (e.id + a.id) %% 6 <> 0;

-- The follow-up: a reminder e-mail sent in the last weeks to one enrolment in ten.
INSERT INTO messaging_message (organisation_id, enrolment_id, template_key, from_email, "to",
    subject, body, related_key, dedupe_key, message_id, status, attempts, max_attempts,
    next_attempt_at, last_error, sent_at, created_at)
SELECT %(org)s, e.id, 'relance_absences', 'suivi@banc.test', 'l' || e.id || '@banc.test',
       'Relance', 'Nous ne vous avons pas vu.', 'case-step:' || e.id, 'case-step:' || e.id,
       '<' || e.id || '@banc.test>', 'envoye', 1, 12, now(), '',
       %(as_of)s::date - (e.id %% 28)::int + TIME '10:00', now()
FROM learners_enrolment e WHERE e.organisation_id = %(org)s AND e.id %% 10 = 0;
"""

FLOOR = """
SELECT e.id, act.n, act.actions, act.last_day, att.n, att.absences
FROM learners_enrolment e
LEFT JOIN (
    SELECT enrolment_id, COUNT(*) AS n, SUM(count) AS actions, MAX(day) AS last_day
    FROM activity_activityevent WHERE organisation_id = %(org)s AND day <= %(as_of)s::date
    GROUP BY enrolment_id
) act ON act.enrolment_id = e.id
LEFT JOIN (
    SELECT m.enrolment_id, COUNT(*) AS n,
           SUM(CASE WHEN m.status = 'absent' THEN 1 ELSE 0 END) AS absences
    FROM attendance_attendancemark m JOIN programmes_slot s ON s.id = m.slot_id
    WHERE m.organisation_id = %(org)s AND s.starts_at < %(as_of)s::date + 1
    GROUP BY m.enrolment_id
) att ON att.enrolment_id = e.id
WHERE e.organisation_id = %(org)s AND e.enrolled_on <= %(as_of)s::date
  AND (e.ended_on IS NULL OR e.ended_on > %(as_of)s::date)
"""


def run_cli(env: dict[str, str], *extra: str) -> tuple[float, float, int]:
    command = [
        sys.executable,
        "-m",
        "parcours",
        "risk",
        "--as-of",
        AS_OF,
        "--format",
        "csv",
        *extra,
    ]
    t0 = time.perf_counter()
    # `python -m` puts its working directory first on the path: the tree to run.
    cwd = env["PYTHONPATH"]
    proc = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    lines = sum(1 for _ in proc.stdout)  # type: ignore[union-attr]
    _, rusage = os.wait4(proc.pid, 0)[1:]
    elapsed = time.perf_counter() - t0
    err = proc.stderr.read().decode()  # type: ignore[union-attr]
    if err.strip():
        sys.exit(f"parcours risk failed:\n{err}")
    return elapsed, rusage.ru_maxrss / 1024, lines - 1


def scoring_only() -> None:
    """In a process of its own, Django set up: the engine's scoring alone (signals, scores,
    levels, reasons), timed per step, without start-up or printing."""
    import django

    django.setup()
    import datetime as dt

    import numpy as np
    from django.db import transaction

    from parcours.core import signals as registry
    from parcours.core.models import Organisation
    from parcours.engagement import scoring, signals

    org = Organisation.objects.get(slug="banc")
    as_of = dt.date.fromisoformat(AS_OF)
    scope = signals.scope_of(org, as_of)
    steps = {}
    t0 = time.perf_counter()
    frame = signals.Frame(as_of=as_of, enrolment_ids=np.zeros(0, dtype=np.int64))
    with transaction.atomic():
        signals.aggregation_settings()
        steps["base"] = -time.perf_counter()
        signals.base(frame, scope)
        steps["base"] += time.perf_counter()
        for provider in registry.providers():
            start = time.perf_counter()
            provider.compute(frame, scope)
            steps[provider.name] = time.perf_counter() - start
    start = time.perf_counter()
    rows = scoring.score_frame(frame, org, scoring.weights_in_force(org)).rows()
    steps["score + raisons"] = time.perf_counter() - start
    total = time.perf_counter() - t0
    detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items())
    print(f"{total:.3f} {len(rows)} {detail}")


def night() -> None:
    """In a process of its own (the code of PYTHONPATH, or this tree): the worker's night,
    the nightly scoring job then the follow-up's daily scan (its detection), timed."""
    import resource

    import django

    django.setup()
    import datetime as dt

    from parcours.core.models import Organisation
    from parcours.engagement import scoring, services
    from parcours.followup import selectors
    from parcours.followup.models import AUTOMATIC_KINDS
    from parcours.followup.services import ensure_default_procedure, published_version

    org = Organisation.objects.get(slug="banc")
    as_of = dt.date.fromisoformat(AS_OF)
    ensure_default_procedure(org)
    version = published_version(org)
    triggers = [t for t in version.triggers.all() if t.kind in AUTOMATIC_KINDS]  # type: ignore[union-attr]
    t0 = time.perf_counter()
    scored = scoring.score(org, as_of)
    stored = services.store_scores(org, scored, acting_user=None)
    del scored
    t1 = time.perf_counter()
    found = selectors.detect(org, as_of, triggers)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    detections = sum(len(d) for d in found.values())
    print(f"{t1 - t0:.3f} {t2 - t1:.3f} {peak:.0f} {stored} {detections}")


def run_night(env: dict[str, str]) -> tuple[float, float, float, int, int]:
    done = subprocess.run(
        [sys.executable, __file__, "--night"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"night failed:\n{done.stderr}")
    store, scan, peak, stored, detections = done.stdout.split()
    return float(store), float(scan), float(peak), int(stored), int(detections)


def export(revision: str, into: Path) -> Path:
    """The tree of `revision` (git archive), to run the code as it was."""
    archive = into / "before.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", revision], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "before", filter="data")
    return into / "before"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrolments", type=int, default=200_000)
    parser.add_argument("--activity", type=int, default=10_000_000)
    parser.add_argument("--marks", type=int, default=2_000_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database", default=SCRATCH_DB, help="name of the scratch database")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the scratch database")
    parser.add_argument(
        "--before", default=BEFORE, help="git revision whose night is measured as 'before'"
    )
    parser.add_argument(
        "--before-tree", help="a tree already exported (instead of --before from git)"
    )
    args = parser.parse_args()
    scratch = args.database

    import psycopg

    parts = urlsplit(args.postgres)
    admin = urlunsplit(parts._replace(path="/postgres"))
    url = urlunsplit(parts._replace(path=f"/{scratch}"))
    # Every process runs the code of PYTHONPATH: this tree, or (before) an exported one.
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "parcours.settings",
        "PYTHONPATH": str(ROOT),
    }
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchone()
        if exists and not args.keep:
            conn.execute(f'DROP DATABASE "{scratch}"')
        if not exists or not args.keep:
            conn.execute(f'CREATE DATABASE "{scratch}"')
    subprocess.run(
        [sys.executable, "-m", "parcours", "migrate", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    with psycopg.connect(url, autocommit=True) as conn:
        org = conn.execute("SELECT id FROM core_organisation WHERE slug = 'banc'").fetchone()
        if org is None:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "parcours",
                    "organisation",
                    "create",
                    "--name",
                    "Banc d'essai",
                    "--slug",
                    "banc",
                ],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            org = conn.execute("SELECT id FROM core_organisation WHERE slug = 'banc'").fetchone()
        if not conn.execute("SELECT 1 FROM learners_enrolment LIMIT 1").fetchone():
            t0 = time.perf_counter()
            params = {
                "org": org[0],
                "sessions": SESSIONS,
                "enrolments": args.enrolments,
                "per_enrolment_marks": max(1, args.marks // args.enrolments),
                "per_enrolment_activity": max(1, args.activity // args.enrolments),
                "as_of": AS_OF,
            }
            with conn.transaction():
                for statement in GENERATE.split(";\n"):
                    if statement.strip():
                        conn.execute(statement, params)
            conn.execute("VACUUM ANALYZE")
            print(f"Données générées en {time.perf_counter() - t0:.0f} s")
        counts = {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in (
                "learners_enrolment",
                "activity_activityevent",
                "attendance_attendancemark",
                "activity_result",
            )
        }
        print(
            f"{counts['learners_enrolment']:,} inscriptions actives, {counts['activity_activityevent']:,} lignes "
            f"d'activité, {counts['attendance_attendancemark']:,} présences, {counts['activity_result']:,} résultats"
        )
        # The floor runs with the engine's PostgreSQL settings (memory per aggregation, JIT).
        os.environ.update(env)
        import django

        django.setup()
        from parcours.engagement.signals import AGGREGATION_SETTINGS

        for name, value in AGGREGATION_SETTINGS.items():
            conn.execute(f"SET {name} = '{value}'")
        floors = []
        for _ in range(2):
            t0 = time.perf_counter()
            rows = conn.execute(FLOOR, {"org": org[0], "as_of": AS_OF}).fetchall()
            floors.append(time.perf_counter() - t0)
        floor = min(floors)
    print(
        f"Plancher : une agrégation SQL (activité + présences par inscription) : {floor:.1f} s ({len(rows):,} lignes)"
    )

    runs = [run_cli(env) for _ in range(2)]
    elapsed, peak, scored = min(runs)
    print(
        f"Moteur : `parcours risk --as-of {AS_OF}` : {scored:,} inscriptions notées en {elapsed:.1f} s "
        f"(démarrage de Django compris), soit {elapsed / floor:.1f}× le plancher ; "
        f"mémoire de pointe {peak:,.0f} Mio"
    )
    inner = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, __file__, "--scoring-only"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, count, detail = done.stdout.strip().split(" ", 2)
        inner.append((float(seconds), int(count), detail))
    seconds, count, detail = min(inner)
    print(
        f"  dont le calcul seul (signaux, scores, niveaux, raisons), mesuré dans le processus : "
        f"{seconds:.1f} s, soit {seconds / floor:.1f}× le plancher ({detail})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        before_tree = args.before_tree or export(args.before, Path(tmp))
        before_env = {**env, "PYTHONPATH": str(before_tree)}
        for label, run_env in ((f"avant ({args.before})", before_env), ("après", env)):
            elapsed, peak, scored = min(run_cli(run_env, "--store") for _ in range(2))
            print(
                f"Avec --store (relevé de nuit enregistré), {label} : {elapsed:.1f} s, "
                f"{elapsed / floor:.1f}× le plancher ; mémoire de pointe {peak:,.0f} Mio"
            )
        for label, run_env in ((f"avant ({args.before})", before_env), ("après", env)):
            store, scan, peak, stored, detections = run_night(run_env)
            total = store + scan
            print(
                f"Nuit complète {label} : notation et relevé {store:.1f} s ({stored:,} scores) "
                f"+ scan quotidien {scan:.1f} s ({detections:,} déclenchements) = {total:.1f} s, "
                f"{total / floor:.1f}× le plancher ; mémoire de pointe {peak:,.0f} Mio"
            )
    if not args.keep:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{scratch}"')
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--scoring-only"]:
        scoring_only()
        sys.exit(0)
    if sys.argv[1:] == ["--night"]:
        night()
        sys.exit(0)
    sys.exit(main())
