"""Evidence pack build time and peak memory: the default demo, then a 2,000-learner demo,
each in a temporary SQLite database. Prints figures; asserts nothing.

    .venv/bin/python bench/audit_pack.py [--learners 2000] [--today 2026-11-30]
        [--no-default] [--var-dir DIR] [--seed S] [--sample N]

For each demo, one process builds it (`parcours migrate`, `parcours demo`), then another
builds the pack (`parcours audit pack --as-of TODAY --output FILE.zip [--seed S] [--sample N]`:
the sample of the latest mock audit, or a seeded draw): its wall time and peak memory
(maxrss of that process alone) are the pack's own. Baseline before the pack took the
sample (whole-session sheets of the 20 latest sessions): 285 s for 2,000 learners. Aim for 2,000 learners:
under 30 s and under 500 MB.
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parcours(env: dict[str, str], *args: str) -> float:
    """Run `parcours ARGS` in a child process; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "parcours", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


MEASURED = (
    "import resource, sys; from parcours.__main__ import main; "
    "sys.argv = ['parcours', *sys.argv[1:]]; main(); "
    "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
    "sys.stderr.write(f'PEAK {rss}\\n')"
)


def measured(env: dict[str, str], *args: str) -> tuple[float, int]:
    """Run `parcours ARGS` in a child that reports its own peak memory (resource.getrusage,
    no tracing, so that the time is not slowed): (seconds, maxrss in kB)."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", MEASURED, *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    print(done.stdout.rstrip())
    line = [x for x in done.stderr.splitlines() if x.startswith("PEAK ")][-1]
    return seconds, int(line.split()[1])


def bench(
    label: str,
    today: str,
    learners: int | None,
    var_dir: str | None = None,
    sample: tuple[str, ...] = (),
) -> None:
    with tempfile.TemporaryDirectory(prefix="parcours-bench-pack-") as scratch:
        folder = var_dir or scratch
        env = {**os.environ, "PARCOURS_VAR_DIR": folder}
        env.pop("DATABASE_URL", None)
        built = 0.0
        if not (Path(folder) / "parcours.sqlite3").exists():
            parcours(env, "migrate", "--noinput")
            demo = ["demo", "--today", today]
            built = parcours(env, *demo, *(["--learners", str(learners)] if learners else []))
        output = Path(scratch) / "pack.zip"
        seconds, rss = measured(
            env, "audit", "-v", "2", "pack", "--as-of", today, "--output", str(output), *sample
        )
        with zipfile.ZipFile(output) as archive:
            files = len(archive.namelist())
            sheets = sum(n.startswith("I12/emargements/") for n in archive.namelist())
        size = output.stat().st_size / 1e6
        print(
            f"{label}: demo built in {built:.1f} s; pack in {seconds:.1f} s, "
            f"peak memory {rss / 1024:.0f} MB (maxrss), {files} files ({sheets} attendance sheets), {size:.1f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--today", default=dt.date.today().isoformat())  # noqa: DTZ011
    parser.add_argument("--no-default", action="store_true", help="skip the default demo")
    parser.add_argument(
        "--var-dir", help="keep the large demo in this folder (built once, reused next time)"
    )
    parser.add_argument("--seed", help="seed of the sample's draw (default: the mock audit's)")
    parser.add_argument("--sample", help="size of the sample's draw")
    options = parser.parse_args()
    sample = tuple(
        x
        for flag, value in (("--seed", options.seed), ("--sample", options.sample))
        if value
        for x in (flag, value)
    )
    if options.learners:
        bench(
            f"demo --learners {options.learners}",
            options.today,
            options.learners,
            options.var_dir,
            sample,
        )
    if not options.no_default:
        bench("default demo", options.today, None, sample=sample)


if __name__ == "__main__":
    main()
