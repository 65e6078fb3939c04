"""The `parcours audit` subcommands of readiness and the mock audit (see
`management/commands/audit.py`, which dispatches to them)."""

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from parcours.audit import mock, readiness
from parcours.audit.models import Grade
from parcours.audit.services.mock import MAX_SAMPLE, run_mock_audit
from parcours.core.cli import organisation_option


def as_of_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("Date invalide : %(value)s (attendu AAAA-MM-JJ)") % {"value": value}
        ) from None


def add_parsers(sub: Any) -> None:
    ready = sub.add_parser("readiness", help=_("préparation de l'audit, par indicateur"))
    _common(ready)
    run = sub.add_parser("mock", help=_("audit blanc sur un échantillon tiré au sort"))
    _common(run)
    run.add_argument("--seed", type=int, required=True, help=_("graine du tirage"))
    run.add_argument(
        "--sample",
        type=int,
        default=mock.DEFAULT_SAMPLE,
        help=_("sessions par catégorie et apprenants par session"),
    )
    run.add_argument(
        "--store",
        action="store_true",
        help=_("enregistrer l'audit blanc (et ses constats) dans Parcours"),
    )


def _common(parser: CommandParser) -> None:
    parser.add_argument("--as-of", dest="as_of", required=True, help="AAAA-MM-JJ")
    parser.add_argument("--format", choices=["json", "text"], default="text")
    parser.add_argument(
        "--organisation",
        help=_("identifiant court de l'organisation (facultatif s'il n'y en a qu'une)"),
    )


def handle(action: str, options: dict[str, Any]) -> str | None:
    if action == "readiness":
        return _readiness(options)
    if action == "mock":
        return _mock(options)
    return None


def _readiness(options: dict[str, Any]) -> str:
    organisation = organisation_option(options["organisation"])
    result = readiness.readiness(organisation, as_of_date(options["as_of"]))
    if options["format"] == "json":
        return json.dumps(result.as_dict(), ensure_ascii=False, indent=2)
    lines = [
        _("Préparation de l'audit au %(day)s (%(version)s)")
        % {"day": result.as_of.strftime("%d/%m/%Y"), "version": result.version.code}
    ]
    for row in result.rows:
        lines.append(f"I{row.indicator.number:<3} {row.label:<22} {row.missing}")
    return "\n".join(lines)


def _mock(options: dict[str, Any]) -> str:
    organisation = organisation_option(options["organisation"])
    as_of = as_of_date(options["as_of"])
    seed, size = options["seed"], options["sample"]
    if seed < 0:
        raise CommandError(_("La graine est un entier positif."))
    if not 1 <= size <= MAX_SAMPLE:
        raise CommandError(_("L'échantillon va de 1 à %(max)d.") % {"max": MAX_SAMPLE})
    if options["store"]:
        run = run_mock_audit(
            organisation, acting_user=None, as_of=as_of, seed=seed, sample_size=size
        )
        findings = [
            {
                "indicator": f.indicator,
                "grade": f.grade,
                "version": f.version,
                "rule": f.rule,
                "text": f.text,
                "external_id": f.external_id,
                "for_whom": f.for_whom,
                "detail": f.detail,
                "record_type": f.record_type,
                "record_id": f.record_id,
            }
            for f in run.findings.all()
        ]
        payload = {"id": run.pk, "grades": run.grades, "sample": run.sample}
    else:
        result = mock.mock_audit(organisation, as_of, seed=seed, size=size)
        findings = [
            {
                "indicator": j.gap.indicator,
                "grade": j.grade,
                "version": j.version.code,
                "rule": j.gap.rule,
                "text": j.gap.text,
                "external_id": j.gap.external_id,
                "for_whom": j.gap.for_whom,
                "detail": j.gap.detail,
                "record_type": j.gap.record_type,
                "record_id": j.gap.record_id,
            }
            for j in result.findings
        ]
        payload = {"id": None, "grades": result.grades, "sample": result.sample}
    data = {
        "organisation": organisation.slug,
        "as_of": as_of.isoformat(),
        "seed": seed,
        "sample_size": size,
        "overall": mock.overall(payload["grades"]),
        **payload,
        "findings": findings,
    }
    if options["format"] == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    lines = [
        _("Audit blanc au %(day)s, graine %(seed)s : %(overall)s")
        % {
            "day": as_of.strftime("%d/%m/%Y"),
            "seed": seed,
            "overall": Grade(str(data["overall"])).label,
        }
    ]
    for f in findings:
        lines.append(
            f"I{f['indicator']} {Grade(str(f['grade'])).label} {f['external_id'] or '—'} "
            f"{f['rule']} {f['text']} ({f['for_whom']})"
        )
    return "\n".join(lines)
