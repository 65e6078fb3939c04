"""Dev evaluation of the early-warning engine on the OULAD 2013 presentations.

    .venv/bin/python bench/early_warning.py [--postgres URL] [--keep DIR]

Converts ../shared/data/oulad-dev with ../shared/tools/oulad_to_parcours.py, imports it
into a fresh organisation (SQLite file by default; a scratch PostgreSQL database
`parcours_bench_ew` with --postgres), then, with the real CLI:
    parcours risk calibrate --until 2013-10-01      (learns from the 2013B presentations)
    parcours risk --as-of D --session S --format csv (each 2013J presentation, D at 25 % and
                                                      50 % of its length)
and prints the AUC of the scores on the enrolments still active at D (label: the enrolment
ends in abandon). Beside it, on the same enrolments and in the same run:
  - the inactivity-only rule: days since the last LMS activity (since the learner's own
    start when there is none);
  - gradient boosting (scikit-learn's HistGradientBoostingClassifier, default settings)
    trained on the same training examples (the same signals of the same 2013B landmarks).
Then the AUC within each session, and an optimistic ceiling: gradient boosting trained,
by cross-validation, on the 2013J enrolments themselves (what these facts allow at best).
Nothing is asserted; figures are printed.
"""

import argparse
import csv
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCRATCH_DB = "parcours_bench_ew"
UNTIL = "2013-10-01"
FRACTIONS = (0.25, 0.5)
KINDS = ("sessions", "learners", "enrolments", "assessments", "results", "activity")


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "parcours"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"parcours {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def auc(labels: list[int], scores: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL server URL (else a SQLite file)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="parcours-ew-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "csv"
    env = {
        **os.environ,
        "PARCOURS_VAR_DIR": str(work / "var"),
        "DJANGO_SETTINGS_MODULE": "parcours.settings",
    }
    env.pop("DATABASE_URL", None)
    if args.postgres:
        import psycopg

        parts = urlsplit(args.postgres)
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}"')
            conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{SCRATCH_DB}"))
    os.environ.update(env)
    if not (SHARED / "data" / "oulad-dev").is_dir():
        sys.exit(f"OULAD data not found: {SHARED / 'data' / 'oulad-dev'}")

    t0 = time.perf_counter()
    if not (data / "activity.csv").exists():
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "tools" / "oulad_to_parcours.py"),
                str(SHARED / "data" / "oulad-dev"),
                str(data),
            ],
            check=True,
        )
    cli(env, "migrate", "--verbosity", "0")
    marker = work / "imported"  # (with --keep, a second run reuses the imported data)
    if not marker.exists():
        cli(env, "organisation", "create", "--name", "OULAD", "--slug", "oulad")
        for kind in KINDS:
            cli(env, "import", kind, str(data / f"{kind}.csv"))
        marker.touch()
    print(f"Données OULAD converties et importées en {time.perf_counter() - t0:.0f} s ({work})")

    t0 = time.perf_counter()
    print(cli(env, "risk", "calibrate", "--until", UNTIL).strip())
    print(f"(calibration : {time.perf_counter() - t0:.0f} s)")

    with (data / "enrolments.csv").open(encoding="utf-8") as f:
        label = {
            (r["learner_external_id"], r["session_external_id"]): int(r["status"] == "abandon")
            for r in csv.DictReader(f)
        }
    with (data / "sessions.csv").open(encoding="utf-8") as f:
        sessions = [r for r in csv.DictReader(f) if r["external_id"].endswith("2013J")]

    # In-process, on the same database: the baselines, from the same signals.
    import django

    django.setup()
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from parcours.core.models import Organisation
    from parcours.engagement.calibration import training_set
    from parcours.engagement.signals import compute_signals, feature_matrix
    from parcours.programmes.models import Session

    org = Organisation.objects.get(slug="oulad")
    training = training_set(org, dt.date.fromisoformat(UNTIL))
    seen = ~np.isnan(training.x).all(axis=0)  # (signals absent from OULAD: attendance)
    gb = HistGradientBoostingClassifier(random_state=0).fit(training.x[:, seen], training.y)
    print(
        f"Apprentissage : {len(training.y)} situations de {training.enrolments} parcours "
        f"(2013B), {int(training.y.sum())} avant un abandon"
    )

    columns = ["calibré", "v0", "inactivité", "boosting"]
    print()
    print(
        "| moment | inscriptions actives | abandons à venir | moteur Parcours (calibré) "
        "| poids par défaut (v0) | inactivité seule | gradient boosting |"
    )
    print("|---|---|---|---|---|---|---|")
    # Per moment: each session's labels and scores, and everyone's signals (for the ceiling).
    per_session: dict[float, list[tuple[str, list[int], list[float], list[float]]]] = {}
    pooled: dict[float, tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]] = {}
    for fraction in FRACTIONS:
        # Per subset (all sessions; those with an LMS): labels, then each column's scores.
        subsets = {
            "": ([], {c: [] for c in columns}),
            ", sessions avec LMS": ([], {c: [] for c in columns}),
        }
        for s in sessions:
            start, end = (
                dt.date.fromisoformat(s["start_date"]),
                dt.date.fromisoformat(s["end_date"]),
            )
            as_of = start + dt.timedelta(days=round(fraction * (end - start).days))
            args = (
                "risk",
                "--as-of",
                as_of.isoformat(),
                "--session",
                s["external_id"],
                "--format",
                "csv",
            )
            engine = {
                name: {
                    (r["learner_external_id"], r["session_external_id"]): float(r["score"])
                    for r in csv.DictReader(cli(env, *args, *extra).splitlines())
                }
                for name, extra in (("calibré", ()), ("v0", ("--model", "0")))
            }
            session = Session.objects.get(organisation=org, external_id=s["external_id"])
            frame = compute_signals(org, as_of, session=session)
            keys = list(
                zip(
                    frame.info["learner_external_id"],
                    frame.info["session_external_id"],
                    strict=True,
                )
            )
            if set(keys) != set(engine["calibré"]):
                sys.exit(
                    f"{s['external_id']}: the CLI and the engine disagree on who is active on {as_of}"
                )
            since = np.where(
                np.isnan(frame.columns["days_since_activity"]),
                frame.columns["days_enrolled"],
                frame.columns["days_since_activity"],
            )
            boosted = gb.predict_proba(feature_matrix(frame, training.keys)[:, seen])[:, 1]
            has_lms = not np.isnan(frame.columns["days_since_activity"]).all()
            truth = [label[key] for key in keys]
            per_session.setdefault(fraction, []).append(
                (
                    s["external_id"],
                    truth,
                    [engine["calibré"][key] for key in keys],
                    boosted.tolist(),
                )
            )
            xs, ys, ss = pooled.setdefault(fraction, ([], [], []))
            xs.append(feature_matrix(frame, training.keys)[:, seen])
            ys.append(np.array(truth))
            ss.append(np.full(len(keys), len(ss)))
            for name, (labels, scores) in subsets.items():
                if name and not has_lms:
                    continue
                labels.extend(label[key] for key in keys)
                scores["calibré"].extend(engine["calibré"][key] for key in keys)
                scores["v0"].extend(engine["v0"][key] for key in keys)
                scores["inactivité"].extend(since.tolist())
                scores["boosting"].extend(boosted.tolist())
        for name, (labels, scores) in subsets.items():
            if labels:
                cells = " | ".join(f"{auc(labels, scores[c]):.3f}" for c in columns)
                print(
                    f"| {round(fraction * 100)} %{name} | {len(labels)} | {sum(labels)} | {cells} |"
                )
    print()
    print(
        "AUC sur les inscriptions actives à la date (étiquette : l'inscription finit en abandon)."
    )
    print()
    print("AUC au sein de chaque session (moteur calibré / gradient boosting) :")
    print()
    print("| session | " + " | ".join(f"{round(f * 100)} %" for f in FRACTIONS) + " |")
    print("|---|" + "---|" * len(FRACTIONS))
    for i, s in enumerate(sessions):
        cells = []
        for fraction in FRACTIONS:
            _, truth, ours, boosted_ = per_session[fraction][i]
            cells.append(
                f"{auc(truth, ours):.3f} / {auc(truth, boosted_):.3f}"
                if 0 < sum(truth) < len(truth)
                else "-"
            )
        print(f"| {s['external_id']} | " + " | ".join(cells) + " |")
    print()
    # What these facts allow at best: gradient boosting trained on the very enrolments it
    # is evaluated on (5-fold cross-validation over the 2013J presentations, the session
    # known), which no provider can do. An optimistic ceiling, not a competitor.
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    ceilings = []
    for fraction in FRACTIONS:
        xs, ys, ss = pooled[fraction]
        session_index = np.concatenate(ss)
        x = np.column_stack([np.vstack(xs), np.eye(len(xs))[session_index]])
        y = np.concatenate(ys)
        oof = cross_val_predict(
            HistGradientBoostingClassifier(random_state=0),
            x,
            y,
            cv=StratifiedKFold(5, shuffle=True, random_state=0),
            method="predict_proba",
        )[:, 1]
        ceilings.append(f"{auc(y.tolist(), oof.tolist()):.3f} à {round(fraction * 100)} %")
    print(
        "Plafond indicatif (gradient boosting appris sur les présentations 2013J elles-mêmes, "
        "validation croisée, session connue) : " + ", ".join(ceilings) + "."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
