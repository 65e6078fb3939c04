"""The cost of the safe writer: rows like `parcours risk --format csv` prints, written
by the plain csv module and by `parcours.lib.exports` (neutralised cells, both dialects),
and the same table as XLSX.

    .venv/bin/python bench/export_speed.py [--rows 200000] [--xlsx-rows 20000]

A third of the rows carry a hostile external id (`=1+2`, `+33…`, `-2`). Each writer runs
three times and the fastest run is kept. Prints figures; asserts nothing.
"""

import argparse
import csv
import io
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")

import django  # noqa: E402

django.setup()

from parcours.lib import exports  # noqa: E402

HEADER = ["learner_external_id", "session_external_id", "score", "level", "reasons"]
HOSTILE = ["=1+2", "+33612345678", "-2+3"]


def rows(n: int) -> list[list[object]]:
    return [
        [
            HOSTILE[i % 3] if i % 3 == 0 else f"L{i:07d}",
            f"S{i % 2000:05d}",
            Decimal(f"{(i % 9973) / 9973:.4f}"),
            ("faible", "moyen", "eleve")[i % 3],
            "3 absences consécutives ; aucune activité depuis 12 jours",
        ]
        for i in range(n)
    ]


def best(func, times: int = 3) -> float:
    elapsed = []
    for _ in range(times):
        start = time.perf_counter()
        func()
        elapsed.append(time.perf_counter() - start)
    return min(elapsed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--xlsx-rows", type=int, default=20_000)
    args = parser.parse_args()
    data = rows(args.rows)

    def plain() -> None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows([r[0], r[1], f"{r[2]:.4f}", r[3], r[4]] for r in data)

    def safe(dialect: exports.Dialect):
        return lambda: exports.csv_text(HEADER, data, dialect=dialect)

    base = best(plain)
    print(f"{args.rows:,} rows")
    print(f"  csv module, raw (before)      {base:6.3f} s")
    for name, dialect in (("exchange", exports.EXCHANGE), ("people", exports.PEOPLE)):
        t = best(safe(dialect))
        print(f"  exports, {name:9s}           {t:6.3f} s  ({t / base:.2f} x)")
    small = data[: args.xlsx_rows]

    def raw_xlsx() -> None:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADER)
        for row in small:
            sheet.append(row)
        workbook.save(io.BytesIO())

    raw = best(raw_xlsx, times=1)
    t = best(lambda: exports.xlsx_bytes(HEADER, small), times=1)
    print(f"{args.xlsx_rows:,} rows as XLSX")
    print(f"  openpyxl, raw                 {raw:6.3f} s")
    print(f"  exports                       {t:6.3f} s  ({t / raw:.2f} x)")


if __name__ == "__main__":
    main()
