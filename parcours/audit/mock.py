"""The mock audit (audit blanc): sample as an auditor does, check, grade.

- Sampling: per category of service (AF, BC, VAE, CFA), `n` sessions among those that
  had started by `as_of`, then up to `n` learners within each; drawn with
  `random.Random(seed)` over ids in ascending order, so that the same seed on the same
  date draws the same sample (and, the past being fixed, finds the same gaps).
- Checks: every check of `checks` over the sample (the complaints the sample touches,
  the improvement plan as a whole).
- Grading, by the rules of the framework's version in force for each session (for a
  finding on no session, the version in force on `as_of`): an indicator whose rule is
  "majeure" (I31, I32) is a major non-conformity at the first gap; otherwise a gap is a
  minor one, and a session that asked none of its stakeholders (I30) a major one. Then
  the framework's general rules (`[grading]` of `data/rnq.toml`), each saying why:
  - a minor not lifted within 6 months becomes major: the same minor finding (indicator,
    rule and record) already stood in a stored run as of 6 months or more before this
    run's `as_of` (a run recorded by then: replay reads nothing recorded later);
  - the fifth minor is treated as a major: in one run, counting the remaining minor
    findings across indicators in the run's stable order, the fifth and the next ones.

This module computes; `services.mock.run_mock_audit` stores the run and its findings.
"""

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from parcours.audit import framework
from parcours.audit.checks import CATEGORY_OF, PARIS, Gap, Scope, run
from parcours.audit.models import GRADE_ORDER, Finding, Grade
from parcours.core.models import Organisation
from parcours.programmes.models import Session

CATEGORIES = ("AF", "BC", "VAE", "CFA")
COVERED = (12, 30, 31, 32, 33)
DEFAULT_SAMPLE = 3


@dataclass
class Judged:
    gap: Gap
    version: framework.Version
    indicator: framework.Indicator
    grade: str
    reason: str = ""  # why a gap is graded major by a general rule


@dataclass
class Result:
    as_of: dt.date
    seed: int
    sample_size: int
    sample: dict[str, dict[str, list[int]]]
    findings: list[Judged]
    grades: dict[str, dict[str, Any]]

    @property
    def overall(self) -> str:
        return overall(self.grades)


def draw_sample(
    organisation: Organisation, as_of: dt.date, *, seed: int, size: int
) -> dict[str, dict[str, list[int]]]:
    """Per category, the sessions drawn and the enrolments drawn within them (ids)."""
    scope = Scope(organisation, as_of)
    rng = random.Random(seed)  # noqa: S311 (a replayable draw, not a secret)
    by_category: dict[str, list[Session]] = {c: [] for c in CATEGORIES}
    for session in scope.sessions():
        by_category[CATEGORY_OF.get(session.category, session.category)].append(session)
    enrolments: dict[int, list[int]] = {}
    for session_id, pk in (
        scope.enrolments().order_by("session_id", "pk").values_list("session_id", "pk")
    ):
        enrolments.setdefault(session_id, []).append(pk)
    sample: dict[str, dict[str, list[int]]] = {}
    for category in CATEGORIES:
        ids = sorted(s.pk for s in by_category[category])
        drawn = sorted(rng.sample(ids, min(size, len(ids))))
        learners: list[int] = []
        for session_id in drawn:
            own = enrolments.get(session_id, [])
            learners += sorted(rng.sample(own, min(size, len(own))))
        sample[category] = {"sessions": drawn, "enrolments": learners}
    return sample


def run_sample(
    organisation: Organisation, as_of: dt.date, sample: dict[str, dict[str, list[int]]]
) -> list[Gap]:
    sessions = {pk for part in sample.values() for pk in part["sessions"]}
    enrolments = {pk for part in sample.values() for pk in part["enrolments"]}
    scope = Scope(organisation, as_of, session_ids=sessions, enrolment_ids=enrolments)
    return run(scope, COVERED)


def judge(organisation: Organisation, as_of: dt.date, gaps: list[Gap]) -> list[Judged]:
    sessions = Session.objects.in_bulk({g.session_id for g in gaps if g.session_id})
    default = framework.version_on(as_of)
    # I30: a session none of whose stakeholders was ever asked is a major gap.
    asked_none = _sessions_asking_nobody(Scope(organisation, as_of), gaps)
    judged = []
    for gap in gaps:
        session = sessions.get(gap.session_id) if gap.session_id else None
        version = framework.version_for_session(session) if session is not None else default
        try:
            item = version.indicator(gap.indicator)
        except KeyError:  # (an indicator the version does not have)
            continue
        if item.any_gap_is_major or (gap.indicator == 30 and gap.session_id in asked_none):
            grade = Grade.MAJOR
        else:
            grade = Grade.MINOR
        judged.append(Judged(gap, version, item, grade))
    _minor_not_lifted(organisation, as_of, judged)
    _fifth_minor(judged)
    return judged


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day if it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def _minor_not_lifted(organisation: Organisation, as_of: dt.date, judged: list[Judged]) -> None:
    """A minor already found (same indicator, rule, record) in a stored run as of 6 months
    or more before `as_of` was not lifted in time: it becomes major."""
    minors = [j for j in judged if j.grade == Grade.MINOR]
    if not minors:
        return
    months = framework.grading_rules().minor_becomes_major_after_months
    limit = months_before(as_of, months)
    cutoff = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)
    first_seen: dict[tuple[int, str, str, int], dt.date] = {}
    for indicator, rule, record_type, record_id, day in (
        Finding.objects.filter(
            organisation=organisation,
            grade=Grade.MINOR,
            audit__as_of__lte=limit,
            audit__created_at__lt=cutoff,
            rule__in={j.gap.rule for j in minors},
        )
        .order_by("audit__as_of")
        .values_list("indicator", "rule", "record_type", "record_id", "audit__as_of")
    ):
        first_seen.setdefault((indicator, rule, record_type, record_id), day)
    for j in minors:
        key = (j.gap.indicator, j.gap.rule, j.gap.record_type, j.gap.record_id)
        if key in first_seen:
            j.grade = Grade.MAJOR
            j.reason = _(
                "Non-conformité mineure déjà relevée à l'audit blanc du %(day)s et non levée "
                "dans un délai de %(months)d mois : elle devient majeure."
            ) % {"day": first_seen[key].strftime("%d/%m/%Y"), "months": months}


def _fifth_minor(judged: list[Judged]) -> None:
    """From the fifth minor of the run on (across indicators), each is treated as a major."""
    counted = framework.grading_rules().minors_counted_as_major
    minors = [j for j in judged if j.grade == Grade.MINOR]
    for rank, j in enumerate(minors, start=1):
        if rank >= counted:
            j.grade = Grade.MAJOR
            j.reason = _(
                "%(rank)de non-conformité mineure de l'audit (à partir de la %(counted)de) : "
                "traitée comme une non-conformité majeure."
            ) % {"rank": rank, "counted": counted}


def _sessions_asking_nobody(scope: Scope, gaps: list[Gap]) -> set[int]:
    from parcours.audit.checks.i30 import expected_audiences

    never: dict[int, set[str]] = {}
    for gap in gaps:
        if gap.indicator == 30 and gap.rule.startswith("I30-JAMAIS-") and gap.session_id:
            never.setdefault(gap.session_id, set()).add(gap.rule.removeprefix("I30-JAMAIS-"))
    if not never:
        return set()
    sessions = list(Session.objects.filter(pk__in=never))
    wanted = expected_audiences(scope, sessions)
    return {
        pk
        for pk, audiences in never.items()
        if {a.upper() for a in wanted.get(pk, set())} <= audiences
    }


def grades(
    judged: list[Judged], sample: dict[str, dict[str, list[int]]], as_of: dt.date
) -> dict[str, dict[str, Any]]:
    """The grade of each indicator the mock audit covers, with the versions it used."""
    session_ids = [pk for part in sample.values() for pk in part["sessions"]]
    versions = {
        framework.version_for_session(s).code for s in Session.objects.filter(pk__in=session_ids)
    } or {framework.version_on(as_of).code}
    result: dict[str, dict[str, Any]] = {}
    for number in COVERED:
        if not any(_has(code, number) for code in versions):
            continue
        own = [j for j in judged if j.gap.indicator == number]
        grade = max(
            (j.grade for j in own), key=lambda g: GRADE_ORDER[Grade(g)], default=Grade.CONFORME
        )
        result[str(number)] = {
            "grade": str(grade),
            "versions": sorted({j.version.code for j in own} or versions),
            "findings": len(own),
        }
    return result


def _has(version_code: str, number: int) -> bool:
    try:
        framework.indicator(version_code, number)
    except KeyError:
        return False
    return True


def overall(graded: dict[str, dict[str, Any]]) -> str:
    """A major anywhere (the general rules already made the fifth minor one, see `judge`),
    or, for a run stored before, five indicators graded minor, makes it major."""
    values = [v["grade"] for v in graded.values()]
    if Grade.MAJOR in values or values.count(Grade.MINOR) >= 5:
        return Grade.MAJOR
    if Grade.MINOR in values:
        return Grade.MINOR
    return Grade.CONFORME


def mock_audit(
    organisation: Organisation, as_of: dt.date, *, seed: int, size: int = DEFAULT_SAMPLE
) -> Result:
    sample = draw_sample(organisation, as_of, seed=seed, size=size)
    judged = judge(organisation, as_of, run_sample(organisation, as_of, sample))
    return Result(as_of, seed, size, sample, judged, grades(judged, sample, as_of))
