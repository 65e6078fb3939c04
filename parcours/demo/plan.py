"""The demo planned before anything is written: sessions, learners and their enrolments,
employers and tutors, dropouts, attendance and LMS activity, all drawn from one seeded
`random.Random` and dated relative to `today`.
"""

import datetime as dt
import math
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from parcours.attendance.models import AttendanceStatus
from parcours.demo.data import (
    ABSENCE_RUNS,
    ACTIVITY_DAYS,
    APP_REASONS,
    CATEGORY_WEIGHTS,
    DEMO_DOMAIN,
    DISABILITIES,
    EMPLOYER_PREFIXES,
    EMPLOYER_TOWNS,
    EMPLOYERS,
    EXCUSES,
    FIRST_NAMES,
    FUNDER_WEIGHTS,
    FUTURE_WEIGHT,
    LAST_NAMES,
    LMS_KINDS,
    MAX_SLOT_WEEKS,
    MONTHS,
    NEAR_MISS_RUN,
    PROGRAMMES,
    REASONS,
    SECTOR_FUNDER,
    STREETS,
    TUTOR_TITLES,
    WEEKLY_SLOTS,
    WITHDRAWAL_REASONS,
    ProgrammeSpec,
)
from parcours.learners.models import (
    EnrolmentStatus,
)
from parcours.programmes.models import Category, Modality


@dataclass
class _Session:
    spec: ProgrammeSpec
    start: dt.date
    end: dt.date
    external_id: str
    title: str
    site: str | None
    trainers: list[str]
    capacity: int = 0
    weight: float = 1.0


@dataclass
class _Enrolment:
    session: int
    enrolled_on: dt.date
    funder: str
    steps: list[tuple[str, dt.date, str]] = field(default_factory=list)
    # Attendance at the séances before today: ((day, start), status, justification).
    marks: list[tuple[tuple[dt.date, dt.time], str, str]] = field(default_factory=list)
    # LMS activity: (day, kind, count).
    activity: list[tuple[dt.date, str, int]] = field(default_factory=list)
    employer: int | None = None
    tutor: int | None = None

    @property
    def status(self) -> str:
        return self.steps[-1][0] if self.steps else EnrolmentStatus.INSCRIT


@dataclass
class _Learner:
    external_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: dt.date
    disability: bool = False
    notes: str = ""
    adaptations: int | None = None  # index in DISABILITIES
    employer: int | None = None
    enrolments: list[_Enrolment] = field(default_factory=list)


@dataclass
class _Employer:
    sector: str
    name: str
    siret: str
    address: str
    postal_code: str
    city: str
    contact: tuple[str, str]
    tutors: list[tuple[str, str, str]] = field(default_factory=list)  # first, last, title


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in plain.lower()).split())


def _with_check_digit(payload: str) -> str:
    """Append the Luhn check digit, as SIRET numbers have."""
    total = 0
    for i, char in enumerate(reversed(payload)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return payload + str((10 - total % 10) % 10)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _weekday_back(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _slot_times(s: "_Session", today: dt.date) -> list[tuple[dt.date, dt.time, dt.time]]:
    """The séances of a past or current session: weekly ones over its last two months up
    to next week, or every day of a short one; none for a future session."""
    if s.start > today:
        return []
    last = min(s.end, today + dt.timedelta(days=7))
    first = max(s.start, _monday(last) - dt.timedelta(weeks=MAX_SLOT_WEEKS - 1))
    times: list[tuple[dt.date, dt.time, dt.time]] = []
    if (s.end - s.start).days < 7:
        day = s.start
        while day <= s.end:
            times += [(day, dt.time(9), dt.time(12, 30)), (day, dt.time(13, 30), dt.time(17))]
            day += dt.timedelta(days=1)
        return times
    week = _monday(first)
    while week <= last:
        for weekday, start, end in WEEKLY_SLOTS[s.spec.category]:
            day = week + dt.timedelta(days=weekday)
            if first <= day <= last:
                times.append((day, start, end))
        week += dt.timedelta(weeks=1)
    return times


class _Plan:
    """Everything the demo holds, decided before anything is written."""

    def __init__(self, rng: random.Random, today: dt.date, learner_count: int) -> None:
        self.rng = rng
        self.today = today
        self.siret = _with_check_digit("8123456780001")
        self.sessions = self._sessions()
        self.employers: list[_Employer] = []
        self.demo_tutor = (0, 0)  # (employer, tutor) of the tuteur account
        self.learners = self._learners(learner_count)
        self._employers_and_tutors()
        self._dropouts()
        self.absentees: list[tuple[int, _Enrolment]] = []  # the learners the procedure catches
        self.inactive: list[tuple[int, _Enrolment]] = []
        self.near_miss: tuple[int, _Enrolment] | None = None
        self._attendance_and_activity()
        counts = Counter(e.session for learner in self.learners for e in learner.enrolments)
        for index, session in enumerate(self.sessions):
            session.capacity = max(session.spec.capacity, counts[index] + rng.randint(0, 3))

    # Sessions -------------------------------------------------------------------------

    def _sessions(self) -> list[_Session]:
        sessions = []
        for spec in PROGRAMMES:
            for offset in spec.starts:
                start = _monday(self.today + dt.timedelta(days=offset))
                end = _weekday_back(start + dt.timedelta(days=max(spec.span - 1, 0)))
                if spec.modality == Modality.DISTANCIEL:
                    site = None
                else:
                    site = self.rng.choice(["lyon", "lyon", "grenoble"])
                where = {"lyon": "Lyon", "grenoble": "Grenoble", None: "à distance"}[site]
                trainers = sorted(
                    self.rng.sample(spec.trainers, self.rng.randint(1, len(spec.trainers)))
                )
                sessions.append(
                    _Session(
                        spec=spec,
                        start=start,
                        end=end,
                        external_id=f"{spec.code}-{start:%Y%m%d}",
                        title=f"{spec.title} — {where}, {MONTHS[start.month - 1]} {start.year}",
                        site=site,
                        trainers=trainers,
                        weight=FUTURE_WEIGHT if start > self.today else 1.0,
                    )
                )
        return sessions

    def period(self, index: int) -> str:
        s = self.sessions[index]
        if self.today < s.start:
            return "future"
        return "past" if self.today > s.end else "current"

    # Learners and their enrolments ----------------------------------------------------

    def _pick_session(self, category: str | None = None, exclude: int | None = None) -> int:
        if category is None:
            categories = list(CATEGORY_WEIGHTS)
            category = self.rng.choices(categories, [CATEGORY_WEIGHTS[c] for c in categories])[0]
        candidates = [
            i for i, s in enumerate(self.sessions) if s.spec.category == category and i != exclude
        ]
        weights = [self.sessions[i].weight * self.sessions[i].spec.capacity for i in candidates]
        return self.rng.choices(candidates, weights)[0]

    def _first_current(self, category: str) -> int:
        for i, s in enumerate(self.sessions):
            if s.spec.category == category and s.start < self.today <= s.end:
                return i
        return self._pick_session(category)

    def _learners(self, count: int) -> list[_Learner]:
        rng = self.rng
        disabled = set(rng.sample(range(count), max(1, round(count * 0.06))))
        short = [i for i, s in enumerate(self.sessions) if s.spec.code in {"AF-SST", "AF-EXC"}]
        emails: set[str] = set()
        learners = []
        for n in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            # The demo's apprenant account follows the first learner, its tutor the second's.
            if n == 0:
                primary = self._first_current(Category.AF)
            elif n == 1:
                primary = self._first_current(Category.APP)
            else:
                primary = self._pick_session()
            category = self.sessions[primary].spec.category
            youngest, oldest = (16, 26) if category == Category.APP else (22, 56)
            birth = self.today.replace(month=1, day=1) - dt.timedelta(
                days=rng.randint(youngest * 365, oldest * 365)
            )
            email = f"{_ascii(first)}.{_ascii(last)}@apprenants.{DEMO_DOMAIN}"
            if email in emails:
                email = email.replace("@", f".{n + 1}@")
            emails.add(email)
            learner = _Learner(
                external_id=f"DEMO-{n + 1:05d}",
                first_name=first,
                last_name=last,
                email=email,
                phone=f"0{rng.choice('67')} {' '.join(f'{rng.randint(0, 99):02d}' for _ in range(4))}",
                birth_date=birth,
            )
            if n in disabled:
                learner.disability = True
                learner.adaptations = rng.randrange(len(DISABILITIES))
            learner.enrolments.append(self._enrolment(primary))
            if category != Category.APP and n >= 2 and rng.random() < 0.12:
                extra = rng.choice([i for i in short if i != primary])
                learner.enrolments.append(self._enrolment(extra))
            learners.append(learner)
        return learners

    def _enrolment(self, index: int) -> _Enrolment:
        """An enrolment whose lifecycle matches its session's dates (dropouts come later)."""
        rng, s = self.rng, self.sessions[index]
        category = s.spec.category
        lead = rng.randint(10, 90) if category == Category.APP else rng.randint(5, 45)
        enrolled_on = s.start - dt.timedelta(days=lead)
        if enrolled_on > self.today:
            enrolled_on = self.today - dt.timedelta(days=rng.randint(0, 20))
        if category == Category.APP:
            funder = SECTOR_FUNDER[s.spec.sector]
        else:
            weights = FUNDER_WEIGHTS[category]
            funder = rng.choices(list(weights), list(weights.values()))[0]
        enrolment = _Enrolment(session=index, enrolled_on=enrolled_on, funder=funder)
        period = self.period(index)
        if period != "future":
            enrolment.steps.append((EnrolmentStatus.EN_COURS, s.start, ""))
        if period == "past":
            enrolment.steps.append((EnrolmentStatus.TERMINE, s.end, ""))
        return enrolment

    def _employers_and_tutors(self) -> None:
        """Employers by sector (enough for their apprentices), one or two tutors each."""
        rng = self.rng
        by_sector: dict[str, list[_Enrolment]] = {sector: [] for sector in EMPLOYERS}
        employees: list[tuple[_Learner, _Enrolment]] = []
        for learner in self.learners:
            for e in learner.enrolments:
                sector = self.sessions[e.session].spec.sector
                if sector:
                    by_sector[sector].append(e)
                elif e.funder in {"atlas", "entreprise"}:
                    employees.append((learner, e))
        for sector, names in EMPLOYERS.items():
            wanted = max(3, math.ceil(len(by_sector[sector]) / 4))
            first_index = len(self.employers)
            for k in range(wanted):
                if k < len(names):
                    name = names[k]
                else:
                    prefix = EMPLOYER_PREFIXES[sector][k % len(EMPLOYER_PREFIXES[sector])]
                    name = f"{prefix} {rng.choice(LAST_NAMES)} ({k + 1})"
                postal_code, city = rng.choice(EMPLOYER_TOWNS)
                employer = _Employer(
                    sector=sector,
                    name=name,
                    siret=_with_check_digit(f"{rng.randint(300_000_000, 999_999_999)}0001"),
                    address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                    postal_code=postal_code,
                    city=city,
                    contact=(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)),
                )
                for _ in range(rng.choice([1, 1, 2])):
                    employer.tutors.append(
                        (
                            rng.choice(FIRST_NAMES),
                            rng.choice(LAST_NAMES),
                            rng.choice(TUTOR_TITLES[sector]),
                        )
                    )
                self.employers.append(employer)
            indexes = range(first_index, len(self.employers))
            for learner in self.learners:
                for e in learner.enrolments:
                    if self.sessions[e.session].spec.sector == sector:
                        e.employer = rng.choice(indexes)
                        e.tutor = rng.randrange(len(self.employers[e.employer].tutors))
                        learner.employer = e.employer
        for learner, e in employees:
            if learner.employer is None:
                learner.employer = rng.randrange(len(self.employers))
            e.employer = learner.employer
        # The demo tutor account is the second learner's tutor (an apprentice), or else the
        # first apprentice's: the account that logs in always tutors someone.
        ordered = self.learners[1:2] + self.learners[:1] + self.learners[2:]
        for e in (e for learner in ordered for e in learner.enrolments):
            if e.employer is not None and e.tutor is not None:
                self.demo_tutor = (e.employer, e.tutor)
                break

    def _dropouts(self) -> None:
        """About one enrolment in eight ends in a dropout, with its date and reason."""
        rng = self.rng
        candidates: list[_Enrolment] = []
        for n, learner in enumerate(self.learners):
            for e in learner.enrolments:
                if n < 2 and e is learner.enrolments[0]:
                    continue  # the demo accounts' own enrolments stay on track
                period = self.period(e.session)
                if rng.random() < (0.05 if period == "future" else 0.15):
                    self._drop(e)
                elif period != "future":
                    candidates.append(e)
        if not any(
            e.status == EnrolmentStatus.ABANDON for p in self.learners for e in p.enrolments
        ):
            if candidates:
                self._drop(candidates[0])

    def _drop(self, e: _Enrolment) -> None:
        rng, s = self.rng, self.sessions[e.session]
        if self.period(e.session) == "future" or rng.random() < 0.04:
            # Left before the first day: withdrawn between enrolment and start (or today).
            last = min(self.today, s.start)
            on = e.enrolled_on + dt.timedelta(days=rng.randint(0, (last - e.enrolled_on).days))
            e.steps = [(EnrolmentStatus.ABANDON, on, rng.choice(WITHDRAWAL_REASONS))]
            return
        last = min(s.end - dt.timedelta(days=1), self.today - dt.timedelta(days=1))
        if last <= s.start:
            on = s.start
        else:
            on = s.start + dt.timedelta(days=rng.randint(1, (last - s.start).days))
        reason = rng.choice(APP_REASONS if s.spec.category == Category.APP else REASONS)
        e.steps = [(EnrolmentStatus.EN_COURS, s.start, ""), (EnrolmentStatus.ABANDON, on, reason)]

    # Attendance and LMS activity ----------------------------------------------------

    def _attendance_and_activity(self) -> None:
        """Marks at the séances before today and LMS traces, for the current sessions.

        Most learners attend; so that the default procedure has something to do on the
        first night, a few have just missed their last séances (three or four unexcused
        absences in a row, one with an excused absence inside the run), one has missed
        two (no case yet), and a few have not been on the platform for two weeks or more.
        """
        rng, today = self.rng, self.today
        past: dict[int, list[tuple[dt.date, dt.time]]] = {}
        for index, s in enumerate(self.sessions):
            if self.period(index) == "current":
                past[index] = [(d, t) for d, t, _end in _slot_times(s, today) if d < today]
        ongoing: dict[int, _Enrolment] = {}  # a learner's first ongoing enrolment
        for n, learner in enumerate(self.learners):
            for e in learner.enrolments:
                if e.session in past:
                    e.marks = [(key, *self._random_mark()) for key in self._own(e, past)]
                    if e.marks and e.status == EnrolmentStatus.EN_COURS:
                        # On track: seen at the last séance (no absence run going on).
                        e.marks[-1] = (e.marks[-1][0], AttendanceStatus.PRESENT, "")
                        if n >= 2:
                            ongoing.setdefault(n, e)
                    elif e.marks:  # a dropout: the last séances before leaving missed
                        e.marks[-2:] = [
                            (key, AttendanceStatus.ABSENT, "") for key, *_ in e.marks[-2:]
                        ]
        eligible = sorted(n for n, e in ongoing.items() if len(e.marks) >= len(ABSENCE_RUNS[1]) + 2)
        chosen = rng.sample(eligible, min(len(eligible), len(ABSENCE_RUNS) + 1))
        for k, n in enumerate(chosen):
            e = ongoing[n]
            run = ABSENCE_RUNS[k] if k < len(ABSENCE_RUNS) else NEAR_MISS_RUN
            start = len(e.marks) - len(run)
            e.marks[start - 1] = (e.marks[start - 1][0], AttendanceStatus.PRESENT, "")
            for offset, status in enumerate(run):
                note = rng.choice(EXCUSES) if status == AttendanceStatus.EXCUSE else ""
                e.marks[start + offset] = (e.marks[start + offset][0], status, note)
            if k < len(ABSENCE_RUNS):
                self.absentees.append((n, e))
            else:
                self.near_miss = (n, e)
        # Activity, where the session has a platform (hybrid and distance learning).
        quiet = sorted(
            n
            for n, e in ongoing.items()
            if n not in chosen
            and self.sessions[e.session].spec.modality != Modality.PRESENTIEL
            and self._own_start(e) <= today - dt.timedelta(days=21)
        )
        self.inactive = [(n, ongoing[n]) for n in rng.sample(quiet, min(len(quiet), 3))]
        quiet_enrolments = {id(e) for _n, e in self.inactive}
        for learner in self.learners:
            for e in learner.enrolments:
                s = self.sessions[e.session]
                if e.session not in past or s.spec.modality == Modality.PRESENTIEL:
                    continue
                if e.status not in {EnrolmentStatus.EN_COURS, EnrolmentStatus.ABANDON}:
                    continue
                first = max(self._own_start(e), today - dt.timedelta(days=ACTIVITY_DAYS))
                if id(e) in quiet_enrolments:
                    last = today - dt.timedelta(days=rng.randint(15, 25))
                elif e.status == EnrolmentStatus.ABANDON:
                    last = e.steps[-1][1] - dt.timedelta(days=rng.randint(3, 10))
                else:
                    last = today - dt.timedelta(days=1)
                day = first
                while day <= last:
                    if rng.random() < 0.3 or (day == last and id(e) not in quiet_enrolments):
                        e.activity.append((day, rng.choice(LMS_KINDS), rng.randint(1, 12)))
                    day += dt.timedelta(days=1)

    def _own_start(self, e: _Enrolment) -> dt.date:
        return max(e.enrolled_on, self.sessions[e.session].start)

    def _own(
        self, e: _Enrolment, past: dict[int, list[tuple[dt.date, dt.time]]]
    ) -> list[tuple[dt.date, dt.time]]:
        """The séances before today at which the enrolment is active."""
        ended = e.steps[-1][1] if e.status == EnrolmentStatus.ABANDON else None
        return [
            (day, start)
            for day, start in past[e.session]
            if e.enrolled_on <= day and (ended is None or day < ended)
        ]

    def _random_mark(self) -> tuple[str, str]:
        draw = self.rng.random()
        if draw < 0.88:
            return AttendanceStatus.PRESENT, ""
        if draw < 0.93:
            return AttendanceStatus.RETARD, ""
        if draw < 0.96:
            return AttendanceStatus.EXCUSE, self.rng.choice(EXCUSES)
        return AttendanceStatus.ABSENT, ""
