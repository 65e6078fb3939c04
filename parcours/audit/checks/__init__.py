"""The audit's checks: one module per indicator, each reading the records as of a date.

A check looks at what an auditor samples (sessions, and learners within them) and yields
`Gap`s: a rule of the indicator that the records do not show carried out, with the record
it concerns (type, id, external id of the learner or session, a link) and for whom.

Replay: a check sees only what was recorded on or before `as_of` (creation, reception,
answer, completion times before the end of that day, Europe/Paris; dates on or before it),
whatever else the database holds, the same truncation discipline as the risk engine's.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from parcours.core.models import Organisation
from parcours.learners.models import Enrolment
from parcours.programmes.models import Session

PARIS = ZoneInfo("Europe/Paris")
# The framework's categories: the apprenticeship sessions (APP) are the CFA's.
CATEGORY_OF = {"AF": "AF", "BC": "BC", "VAE": "VAE", "APP": "CFA"}


def framework_category(session_category: str) -> str:
    return CATEGORY_OF.get(session_category, session_category)


@dataclass(frozen=True)
class Gap:
    """One rule the records do not show carried out, on one record."""

    indicator: int
    rule: str  # a stable code, e.g. "I12-ETAPE"
    text: str  # the rule, in French
    record_type: str  # "app_label.model"
    record_id: int
    external_id: str  # the learner's (or else the session's) external id
    url: str
    for_whom: str
    detail: str = ""
    session_id: int | None = None
    enrolment_id: int | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """What identifies a gap from one run to the next."""
        return (self.rule, self.record_type, self.record_id)


@dataclass
class Scope:
    """What the checks look at: an organisation as of a date, and optionally a sample."""

    organisation: Organisation
    as_of: dt.date
    session_ids: set[int] | None = None
    enrolment_ids: set[int] | None = None
    _sessions: list[Session] | None = field(default=None, repr=False)

    @property
    def cutoff(self) -> dt.datetime:
        """The first instant after `as_of` (local time): everything recorded before it counts."""
        return dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)

    def sessions(self) -> list[Session]:
        """The sessions in scope that existed and had started on `as_of`."""
        if self._sessions is None:
            qs = Session.objects.filter(
                organisation=self.organisation,
                created_at__lt=self.cutoff,
                start_date__lte=self.as_of,
            ).select_related("programme")
            if self.session_ids is not None:
                qs = qs.filter(pk__in=self.session_ids)
            self._sessions = list(qs.order_by("start_date", "pk"))
        return self._sessions

    def enrolments(self) -> QuerySet[Enrolment]:
        """The enrolments in scope recorded on or before `as_of`."""
        qs = Enrolment.objects.filter(
            organisation=self.organisation,
            session__in=[s.pk for s in self.sessions()],
            created_at__lt=self.cutoff,
            enrolled_on__lte=self.as_of,
        )
        if self.enrolment_ids is not None:
            qs = qs.filter(pk__in=self.enrolment_ids)
        return qs.select_related("learner", "session", "session__programme")

    def local_day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(PARIS).date()


def learner_gap(
    enrolment: Enrolment,
    *,
    indicator: int,
    rule: str,
    text: str,
    record: object,
    url: str = "",
    detail: str = "",
) -> Gap:
    """A gap on one learner's record (the learner's external id, name and session)."""
    learner, session = enrolment.learner, enrolment.session
    return Gap(
        indicator=indicator,
        rule=rule,
        text=text,
        record_type=record._meta.label_lower,  # type: ignore[attr-defined]
        record_id=record.pk,  # type: ignore[attr-defined]
        external_id=learner.external_id or session.external_id,
        url=url or record.get_absolute_url(),  # type: ignore[attr-defined]
        for_whom=f"{learner.full_name} · {session.title}",
        detail=detail,
        session_id=session.pk,
        enrolment_id=enrolment.pk,
    )


def session_gap(session: Session, *, indicator: int, rule: str, text: str, detail: str = "") -> Gap:
    return Gap(
        indicator=indicator,
        rule=rule,
        text=text,
        record_type="programmes.session",
        record_id=session.pk,
        external_id=session.external_id,
        url=session.get_absolute_url(),
        for_whom=session.title,
        detail=detail,
        session_id=session.pk,
    )


Check = Callable[[Scope], Iterable[Gap]]


def checks() -> dict[int, Check]:
    """The check of each indicator Parcours holds data for."""
    from parcours.audit.checks import i12, i30, i31, i32, i33

    return {12: i12.check, 30: i30.check, 31: i31.check, 32: i32.check, 33: i33.check}


def run(scope: Scope, indicators: Iterable[int] | None = None) -> list[Gap]:
    """Every gap in scope, in a stable order."""
    wanted = set(indicators) if indicators is not None else None
    found: list[Gap] = []
    for number, check in checks().items():
        if wanted is None or number in wanted:
            found.extend(check(scope))
    return sorted(found, key=lambda g: (g.indicator, g.rule, g.external_id, g.record_id))
