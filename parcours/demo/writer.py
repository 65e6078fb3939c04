"""The demo written through the domain services: organisation and people, programmes and
sessions, enrolments, attendance, LMS activity, risk history and adaptation sheets.
"""

import datetime as dt
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.attendance import services as attendance_services
from parcours.attendance.models import AttendanceStatus, Method
from parcours.core.imports import run_import
from parcours.core.models import Membership, Organisation, Role, Site, User
from parcours.core.services import create_member, create_organisation, create_site
from parcours.demo.complaints import build_complaints_demo
from parcours.demo.data import (
    DEMO_DOMAIN,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_SLUG,
    DISABILITIES,
    FUNDERS,
    PROGRAMMES,
    RISK_HISTORY_WEEKS,
    ROLE_ORDER,
    ROOMS,
    SITES,
    STAFF,
    TRAINERS,
)
from parcours.demo.feedback import build_feedback_demo
from parcours.demo.improvement import build_improvement_demo
from parcours.demo.plan import _ascii, _Enrolment, _Plan, _Session, _slot_times
from parcours.demo.quality import build_quality_demo
from parcours.learners import services as learner_services
from parcours.learners.models import (
    Employer,
    Enrolment,
    EnrolmentStatus,
    Funder,
    Learner,
    Tutor,
)
from parcours.lib import exports
from parcours.programmes import services as programme_services
from parcours.programmes.models import Session, Slot, Trainer
from parcours.safeguarding import services as safeguarding_services


@dataclass(frozen=True)
class Login:
    role: str
    role_label: str
    email: str
    name: str
    expires_at: dt.datetime | None = None


@dataclass
class DemoResult:
    organisation: Organisation
    logins: list[Login]
    counts: dict[str, int]


def demo_logins(organisation: Organisation) -> list[Login]:
    """One login per role: the first account created for it."""
    memberships = Membership.objects.filter(organisation=organisation).select_related("user")
    first: dict[str, Membership] = {}
    for membership in memberships.order_by("user_id"):
        first.setdefault(membership.role, membership)
    return [
        Login(
            role=role,
            role_label=str(Role(role).label),
            email=first[role].user.email,
            name=first[role].user.get_full_name(),
            expires_at=first[role].expires_at,
        )
        for role in ROLE_ORDER
        if role in first
    ]


class _Writer:
    """Writes the plan through the services, each write journaled."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.today = plan.today

    def write(self) -> DemoResult:
        plan = self.plan
        org = create_organisation(
            acting_user=None, name=DEMO_NAME, slug=DEMO_SLUG, siret=plan.siret, nda="84691234569"
        )
        self.org = org
        users = self._staff()
        director, officer = users["direction"], users["lambert"]
        # Safeguarding reports reach someone: the director is the designated handler.
        safeguarding_services.designate_handler(org, director, acting_user=director)
        sites = self._sites(director)
        trainers = self._trainers(director, users)
        programmes = {
            spec.code: programme_services.create_programme(
                org,
                acting_user=director,
                code=spec.code,
                title=spec.title,
                category=spec.category,
                modality=spec.modality,
                duration_hours=Decimal(spec.hours),
                duration_days=Decimal(spec.days),
                is_certifying=bool(spec.certification),
                certification_code=spec.certification,
                description=spec.description,
            )
            for spec in PROGRAMMES
        }
        sessions = [
            programme_services.create_session(
                org,
                acting_user=director,
                trainers=[trainers[key] for key in s.trainers],
                programme=programmes[s.spec.code],
                external_id=s.external_id,
                title=s.title,
                category=s.spec.category,
                modality=s.spec.modality,
                start_date=s.start,
                end_date=s.end,
                duration_hours=Decimal(s.spec.hours),
                site=sites[s.site] if s.site else None,
                capacity=s.capacity,
            )
            for s in plan.sessions
        ]
        slots = [
            self._slots(session, s, trainers, officer)
            for session, s in zip(sessions, plan.sessions, strict=True)
        ]
        slot_count = sum(len(by_time) for by_time in slots)
        funders = {
            key: learner_services.create_funder(org, acting_user=director, name=name, kind=kind)
            for key, name, kind in FUNDERS
        }
        tutor_user = self._member(
            "tuteur", Role.TUTEUR, *self._demo_tutor_name(), acting_user=director
        )
        employers, tutors = self._employers(director, tutor_user)
        first = plan.learners[0]
        learner_user = self._member(
            "apprenant", Role.APPRENANT, first.first_name, first.last_name, acting_user=director
        )
        enrolment_count = mark_count = sheet_count = 0
        for n, p in enumerate(plan.learners):
            learner = learner_services.create_learner(
                org,
                acting_user=officer,
                external_id=p.external_id,
                first_name=p.first_name,
                last_name=p.last_name,
                email=learner_user.email if n == 0 else p.email,
                phone=p.phone,
                birth_date=p.birth_date,
                disability=p.disability,
                notes=p.notes,
                employer=employers[p.employer] if p.employer is not None else None,
                user=learner_user if n == 0 else None,
            )
            for e in p.enrolments:
                enrolment = self._enrol(learner, e, sessions, funders, employers, tutors, officer)
                enrolment_count += 1
                mark_count += self._marks(enrolment, e, slots[e.session], officer)
                if p.adaptations is not None:
                    sheet_count += self._adaptation_sheet(enrolment, e, p.adaptations, users)
        self._activity(officer)
        self._risk_history()
        build_feedback_demo(org, today=self.plan.today)
        build_complaints_demo(org, today=self.plan.today)
        build_improvement_demo(org, today=self.plan.today)
        build_quality_demo(org, today=self.plan.today)
        self._set_demo_password()
        return DemoResult(
            organisation=org,
            logins=demo_logins(org),
            counts={
                "programmes": len(programmes),
                "sessions": len(sessions),
                "slots": slot_count,
                "learners": len(plan.learners),
                "enrolments": enrolment_count,
                "employers": len(employers),
                "marks": mark_count,
                "adaptation_sheets": sheet_count,
                "absentees": len(plan.absentees),
                "inactive": len(plan.inactive),
            },
        )

    def _member(
        self, local: str, role: str, first: str, last: str, *, acting_user: User | None
    ) -> User:
        expires_at = None
        if role == Role.AUDITEUR:
            expires_at = timezone.make_aware(
                dt.datetime.combine(self.today + dt.timedelta(days=30), dt.time(23, 59))
            )
        membership = create_member(
            self.org,
            acting_user=acting_user,
            email=f"{local}@{DEMO_DOMAIN}",
            role=role,
            first_name=first,
            last_name=last,
            expires_at=expires_at,
        )
        return membership.user

    def _staff(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for key, (role, local, first, last, _speciality) in STAFF.items():
            users[key] = self._member(local, role, first, last, acting_user=users.get("direction"))
        return users

    def _set_demo_password(self) -> None:
        """One shared password, hashed once (hashing is deliberately slow)."""
        User.objects.filter(membership__organisation=self.org).update(
            password=make_password(DEMO_PASSWORD)
        )

    def _sites(self, director: User) -> dict[str, Site]:
        return {
            key: create_site(
                self.org,
                acting_user=director,
                name=name,
                address=address,
                postal_code=postal_code,
                city=city,
            )
            for key, name, address, postal_code, city in SITES
        }

    def _trainers(self, director: User, users: dict[str, User]) -> dict[str, Trainer]:
        trainers = {}
        for key, (_role, _local, first, last, speciality) in STAFF.items():
            if speciality:
                user = users[key]
                trainers[key] = programme_services.create_trainer(
                    self.org,
                    acting_user=director,
                    user=user,
                    first_name=first,
                    last_name=last,
                    email=user.email,
                    speciality=speciality,
                )
        for key, (first, last, speciality) in TRAINERS.items():
            trainers[key] = programme_services.create_trainer(
                self.org,
                acting_user=director,
                first_name=first,
                last_name=last,
                email=f"{_ascii(first)}.{_ascii(last)}@formateurs.{DEMO_DOMAIN}",
                speciality=speciality,
            )
        return trainers

    def _slots(
        self, session: Session, s: _Session, trainers: dict[str, Trainer], officer: User
    ) -> dict[tuple[dt.date, dt.time], Slot]:
        """Weekly séances of a past or current session (every day of a short one)."""
        rooms = ROOMS[s.site] if s.site else None
        room = rooms[len(s.external_id) % len(rooms)] if rooms else "Classe virtuelle"
        slots = {}
        for k, (day, start, end) in enumerate(_slot_times(s, self.today)):
            slots[day, start] = programme_services.create_slot(
                session,
                acting_user=officer,
                starts_at=timezone.make_aware(dt.datetime.combine(day, start)),
                ends_at=timezone.make_aware(dt.datetime.combine(day, end)),
                trainer=trainers[s.trainers[k % len(s.trainers)]],
                room=room,
            )
        return slots

    def _demo_tutor_name(self) -> tuple[str, str]:
        employer, tutor = self.plan.demo_tutor
        first, last, _title = self.plan.employers[employer].tutors[tutor]
        return first, last

    def _employers(
        self, director: User, tutor_user: User
    ) -> tuple[list[Employer], list[list[Tutor]]]:
        employers: list[Employer] = []
        tutors: list[list[Tutor]] = []
        for index, p in enumerate(self.plan.employers):
            employer = learner_services.create_employer(
                self.org,
                acting_user=director,
                name=p.name,
                siret=p.siret,
                address=p.address,
                postal_code=p.postal_code,
                city=p.city,
                contact_name=f"{p.contact[0]} {p.contact[1]}",
                contact_email=f"contact@{_ascii(p.name)}.entreprises.{DEMO_DOMAIN}",
                contact_phone=f"04 {index % 90 + 10:02d} {(index * 37) % 90 + 10:02d} 10 20",
            )
            employers.append(employer)
            own = []
            for k, (first, last, title) in enumerate(p.tutors):
                is_demo = (index, k) == self.plan.demo_tutor
                own.append(
                    learner_services.create_tutor(
                        employer,
                        acting_user=director,
                        first_name=first,
                        last_name=last,
                        job_title=title,
                        email=tutor_user.email
                        if is_demo
                        else f"{_ascii(first)}.{_ascii(last)}@{_ascii(p.name)}.entreprises.{DEMO_DOMAIN}",
                        user=tutor_user if is_demo else None,
                    )
                )
            tutors.append(own)
        return employers, tutors

    def _enrol(
        self,
        learner: Learner,
        e: _Enrolment,
        sessions: list[Session],
        funders: dict[str, Funder],
        employers: list[Employer],
        tutors: list[list[Tutor]],
        officer: User,
    ) -> Enrolment:
        # Finished and ongoing enrolments are recorded with their status, as an import of
        # the history would; a dropout goes through the lifecycle transition, so that its
        # date and reason are journaled as when a chargé de suivi records one.
        initial: dict[str, object] = {}
        for status, on, _reason in e.steps:
            if status == EnrolmentStatus.ABANDON:
                break
            initial["status"] = status
            initial["started_on" if status == EnrolmentStatus.EN_COURS else "ended_on"] = on
        enrolment = learner_services.enrol(
            learner,
            sessions[e.session],
            acting_user=officer,
            enrolled_on=e.enrolled_on,
            funder=funders[e.funder],
            employer=employers[e.employer] if e.employer is not None else None,
            tutor=tutors[e.employer][e.tutor]
            if e.employer is not None and e.tutor is not None
            else None,
            **initial,
        )
        if e.status == EnrolmentStatus.ABANDON:
            _status, on, reason = e.steps[-1]
            learner_services.change_status(
                enrolment, EnrolmentStatus.ABANDON, acting_user=officer, on=on, reason=reason
            )
        return enrolment

    def _marks(
        self,
        enrolment: Enrolment,
        e: _Enrolment,
        slots: dict[tuple[dt.date, dt.time], Slot],
        officer: User,
    ) -> int:
        """The trainer's pointing at each séance, as recorded on the attendance sheet."""
        for key, status, note in e.marks:
            attendance_services.record_mark(
                slots[key],
                enrolment,
                status,
                acting_user=officer,
                method=Method.TRAINER,
                minutes_late=self.plan.rng.choice([5, 10, 15, 25])
                if status == AttendanceStatus.RETARD
                else None,
                note=note,
            )
        return len(e.marks)

    def _risk_history(self) -> None:
        """Replay the past weeks' nightly scoring, each from the facts known that day
        (what `parcours risk --as-of D --store` does), so that the risk charts tell a story."""
        from parcours.engagement import scoring
        from parcours.engagement import services as engagement_services

        for weeks in range(RISK_HISTORY_WEEKS, 0, -1):
            as_of = self.plan.today - dt.timedelta(weeks=weeks)
            engagement_services.store_scores(
                self.org, scoring.score(self.org, as_of), acting_user=None
            )

    def _activity(self, officer: User) -> None:
        """The platform's activity, as an LMS export imported by the chargé de suivi."""
        rows = [
            (p.external_id, self.plan.sessions[e.session].external_id, day, kind, count)
            for p in self.plan.learners
            for e in p.enrolments
            for day, kind, count in e.activity
        ]
        if not rows:
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export-plateforme.csv"
            with path.open("w", newline="", encoding="utf-8") as out:
                exports.write_csv(
                    out,
                    ["learner_external_id", "session_external_id", "occurred_at", "kind", "count"],
                    rows,
                    dialect=exports.EXCHANGE,
                )
            report = run_import("activity", path, organisation=self.org, acting_user=officer)
        if not report.ok:
            raise ValidationError(report.error_summary())

    def _adaptation_sheet(
        self, enrolment: Enrolment, e: _Enrolment, profile: int, users: dict[str, User]
    ) -> int:
        """The adaptation sheet of a started enrolment, its measures attested once in place."""
        if e.steps[:1] == [] or e.steps[0][0] != EnrolmentStatus.EN_COURS:
            return 0
        needs, categories, measures = DISABILITIES[profile]
        started = e.steps[0][1]
        ongoing = e.status == EnrolmentStatus.EN_COURS
        review = started + dt.timedelta(days=45)
        sheet = learner_services.create_adaptation_sheet(
            enrolment,
            acting_user=users["qualite"],
            needs=needs,
            need_categories=categories,
            referent=users["qualite"],
            next_review_on=review if ongoing else None,
            consent_on=e.enrolled_on,
        )
        for k, (kind, description) in enumerate(measures):
            measure = learner_services.add_measure(
                sheet,
                acting_user=users["qualite"],
                kind=kind,
                description=description,
                responsible=users["lambert"],
                due_on=started,
            )
            if not ongoing or k == 0:
                learner_services.attest_measure(
                    measure,
                    acting_user=users["lambert"],
                    note=f"Mis en place dès le {started:%d/%m/%Y}, vérifié avec l'apprenant.",
                )
        return 1
