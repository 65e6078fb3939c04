"""`parcours audit mock --as-of D --seed S [--sample N] [--format json] [--store]`: the
mock audit, printed (and, with --store, recorded with its findings)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from parcours.audit import mock
from parcours.audit.cli import subcommand
from parcours.audit.cli.pack import as_of_date
from parcours.audit.cli.readiness import common_arguments
from parcours.audit.models import Grade
from parcours.audit.services.mock import MAX_SAMPLE, run_mock_audit
from parcours.core.cli import organisation_option


def _arguments(parser: CommandParser) -> None:
    common_arguments(parser)
    parser.add_argument("--seed", type=int, required=True, help="graine du tirage")
    parser.add_argument(
        "--sample",
        type=int,
        default=mock.DEFAULT_SAMPLE,
        help="sessions par catégorie et apprenants par session",
    )
    parser.add_argument(
        "--store",
        action="store_true",
        help="enregistrer l'audit blanc (et ses constats) dans Parcours",
    )


@subcommand("mock", "audit blanc sur un échantillon tiré au sort", _arguments)
def handle(command: BaseCommand, **options: Any) -> None:
    command.stdout.write(_mock(options))


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
                "grade_reason": f.grade_reason,
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
                "grade_reason": j.reason,
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
        if f["grade_reason"]:
            lines.append(f"    {f['grade_reason']}")
    return "\n".join(lines)
