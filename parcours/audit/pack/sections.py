"""The pack's own sections: procedures, attendance sheets, case reports, dropouts (I12),
survey results and coverage (I30, I33), the complaints register (I31), dropout causes (I32).

Each builder reuses the owning app's selectors and document builders (never its views),
and reads nothing recorded after the end of the as_of day.
"""

import io
from collections.abc import Iterable
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.attendance import pdf as attendance_pdf
from parcours.audit.pack import sample as pack_sample
from parcours.audit.pack.registry import PackContext, PackFile, register_section
from parcours.feedback import exports as feedback_exports
from parcours.feedback import selectors as feedback_selectors
from parcours.feedback.complaints import pdf as complaint_pdf
from parcours.feedback.complaints import selectors as complaint_selectors
from parcours.feedback.complaints.models import Complaint, ComplaintProcedure, ProcedureStatus
from parcours.feedback.models import Campaign
from parcours.followup import dropout_rates
from parcours.followup import pdf as followup_pdf
from parcours.followup.models import CaseStep, Dropout, Meeting, ProcedureVersion, VersionStatus
from parcours.improvement import selectors as improvement_selectors
from parcours.improvement.models import Action
from parcours.improvement.reviews.models import Review
from parcours.improvement.risks import selectors as risk_selectors
from parcours.improvement.risks.models import Risk
from parcours.learners.models import Enrolment
from parcours.lib import exports
from parcours.programmes.models import Session
from parcours.safeguarding import pdf as safeguarding_pdf
from parcours.safeguarding.models import PreventionProcedure


def csv_file(name: str, source: str, header: list[str], rows: Iterable[Iterable[Any]]) -> PackFile:
    def write(out: IO[bytes]) -> None:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        exports.write_csv(text, header, rows, dialect=exports.PEOPLE)
        text.flush()
        text.detach()

    return PackFile(name, source, write=write)


def _label(session: Session) -> str:
    return session.external_id or f"session-{session.pk}"


def _learner_label(enrolment: Enrolment) -> str:
    return enrolment.learner.external_id or f"inscription-{enrolment.pk}"


def _sample_learners(ctx: PackContext) -> str:
    found = Enrolment.objects.filter(
        organisation=ctx.organisation, pk__in=ctx.sample.enrolment_ids
    ).values_list("learner__external_id", flat=True)
    return ", ".join(sorted(x or "?" for x in found)) or "—"


# I12: procedures with their history, attendance sheets, case reports, dropouts


def procedures(ctx: PackContext) -> Iterable[PackFile]:
    followup = (
        ProcedureVersion.objects.filter(
            procedure__organisation=ctx.organisation,
            status__in=[VersionStatus.PUBLISHED, VersionStatus.ARCHIVED],
            validated_at__lte=ctx.until,
        )
        .select_related("procedure__organisation")
        .order_by("-validated_at", "-number")
        .first()
    )
    if followup is not None:
        yield PackFile(
            f"procedure-suivi-v{followup.number}.pdf",
            _("Procédure de prévention des abandons, version %(n)s (et historique)")
            % {"n": followup.number},
            content=followup_pdf.procedure_document(followup, generated_at=ctx.generated_at),
        )
    else:
        ctx.notes.append(_("I12 : aucune procédure de suivi validée à la date de référence."))
    prevention = (
        PreventionProcedure.objects.filter(organisation=ctx.organisation, edited_at__lte=ctx.until)
        .select_related("organisation")
        .order_by("-number")
        .first()
    )
    if prevention is not None:
        yield PackFile(
            f"procedure-violences-v{prevention.number}.pdf",
            _("Procédure de prévention des violences, version %(n)s (et historique)")
            % {"n": prevention.number},
            content=safeguarding_pdf.procedure_document(prevention, generated_at=ctx.generated_at),
        )


def attendance_sheets(ctx: PackContext) -> Iterable[PackFile]:
    """One sheet per sampled session, limited to its sampled learners."""
    enrolments = Enrolment.objects.filter(
        organisation=ctx.organisation, pk__in=ctx.sample.enrolment_ids
    ).select_related("learner")
    learners = {e.pk: _learner_label(e) for e in enrolments}
    for session in pack_sample.sessions_of(ctx.organisation, ctx.sample):
        own = [pk for pk in ctx.sample.by_session[session.pk] if pk in learners]
        if not own:
            continue
        yield PackFile(
            f"emargements/{_label(session)}.pdf",
            _(
                "Feuilles d'émargement de la session %(s)s (%(id)s), limitées aux apprenants "
                "de l'échantillon : %(learners)s"
            )
            % {
                "s": session.title,
                "id": _label(session),
                "learners": ", ".join(learners[pk] for pk in own),
            },
            content=attendance_pdf.session_sheet(
                session, generated_at=ctx.generated_at, enrolment_ids=own
            ),
        )


def case_reports(ctx: PackContext) -> Iterable[PackFile]:
    steps = (
        CaseStep.objects.filter(
            organisation=ctx.organisation,
            case__opened_at__lte=ctx.until,
            case__enrolment_id__in=ctx.sample.enrolment_ids,
        )
        .select_related("case__enrolment__learner", "case__enrolment__session")
        .order_by("case__opened_at", "case_id", "order")
    )

    def step_rows() -> Iterable[list[Any]]:
        for step in steps.iterator(chunk_size=2000):
            case = step.case
            done = step.done_at if step.done_at and step.done_at <= ctx.until else None
            yield [
                case.pk,
                case.enrolment.learner.external_id,
                case.enrolment.learner.full_name,
                case.enrolment.session.external_id or case.enrolment.session.title,
                case.get_trigger_kind_display(),
                case.reason,
                case.opened_on,
                step.order,
                step.label,
                step.due_on,
                timezone.localtime(done) if done else "",
                step.note if done else "",
            ]

    yield csv_file(
        "dossiers-de-suivi.csv",
        _(
            "Dossiers de suivi des apprenants de l'échantillon (%(learners)s) : étapes, "
            "échéances, comptes rendus"
        )
        % {"learners": _sample_learners(ctx)},
        [
            _("dossier"),
            _("apprenant (id)"),
            _("apprenant"),
            _("session"),
            _("déclencheur"),
            _("motif"),
            _("ouvert le"),
            _("étape"),
            _("action"),
            _("échéance"),
            _("réalisée le"),
            _("compte rendu"),
        ],
        step_rows(),
    )
    meetings = (
        Meeting.objects.filter(
            organisation=ctx.organisation,
            case__enrolment_id__in=ctx.sample.enrolment_ids,
            report_written_at__lte=ctx.until,
        )
        .select_related("case__enrolment__learner")
        .order_by("report_written_at")
    )
    yield csv_file(
        "entretiens-comptes-rendus.csv",
        _("Comptes rendus d'entretien des dossiers de suivi des apprenants de l'échantillon"),
        [_("dossier"), _("apprenant (id)"), _("entretien"), _("rédigé le"), _("compte rendu")],
        (
            [
                m.case_id,
                m.case.enrolment.learner.external_id,
                m.get_kind_display(),
                timezone.localtime(m.report_written_at) if m.report_written_at else "",
                m.report,
            ]
            for m in meetings.iterator(chunk_size=2000)
        ),
    )


def _stats(ctx: PackContext) -> dropout_rates.DropoutStats:
    return dropout_rates.dropout_stats(ctx.organisation, ctx.period_start, ctx.as_of, "mois")


def _stats_rows(stats: dropout_rates.DropoutStats) -> list[list[Any]]:
    return [
        [section, row.label, row.enrolments, row.dropouts, row.rate]
        for section, rows in stats.sections()
        for row in rows
    ]


STATS_HEADER = ["axe", "valeur", "inscriptions", "abandons", "taux"]


def dropouts(ctx: PackContext) -> Iterable[PackFile]:
    stats = _stats(ctx)
    rows = _stats_rows(stats)
    source = _("Statistiques d'abandon du %(start)s au %(end)s") % {
        "start": ctx.period_start.isoformat(),
        "end": ctx.as_of.isoformat(),
    }
    yield csv_file("statistiques-abandons.csv", source, STATS_HEADER, rows)
    yield PackFile(
        "statistiques-abandons.xlsx",
        source,
        content=exports.xlsx_bytes(STATS_HEADER, rows, sheet=_("Abandons")),
    )
    found = (
        Dropout.objects.filter(
            organisation=ctx.organisation,
            on__gte=ctx.period_start,
            on__lte=ctx.as_of,
            recorded_at__lte=ctx.until,
        )
        .select_related("enrolment__learner", "enrolment__session")
        .order_by("on", "pk")
    )
    yield csv_file(
        "abandons.csv",
        _("Abandons enregistrés : cause, actions menées avant, entretien de sortie"),
        [
            _("apprenant (id)"),
            _("session"),
            _("date de l'abandon"),
            _("motif"),
            _("précisions"),
            _("actions menées avant l'abandon"),
            _("entretien de sortie le"),
        ],
        (
            [
                d.enrolment.learner.external_id,
                d.enrolment.session.external_id or d.enrolment.session.title,
                d.on,
                d.get_reason_display(),
                d.detail,
                d.actions_before,
                d.exit_interview_on or "",
            ]
            for d in found
        ),
    )


# I30 and I33: survey results and coverage


def _campaigns(ctx: PackContext) -> Any:
    return Campaign.objects.filter(
        organisation=ctx.organisation,
        created_at__lte=ctx.until,
    ).filter(session__end_date__gte=ctx.period_start, session__end_date__lte=ctx.as_of)


def surveys(ctx: PackContext) -> Iterable[PackFile]:
    results = feedback_selectors.results(ctx.organisation, _campaigns(ctx))
    yield PackFile(
        "resultats-enquetes.xlsx",
        _("Résultats des questionnaires des sessions terminées sur la période (règle des k)"),
        content=feedback_exports.results_xlsx(_("Sessions de la période"), results),
    )
    rows = feedback_selectors.coverage(ctx.organisation, ctx.period_start, ctx.as_of)
    audiences = list(rows[0].audiences) if rows else []

    def coverage_rows() -> Iterable[list[Any]]:
        for row in rows:
            for audience, rate in row.audiences.items():
                yield [
                    row.session.external_id or row.session.title,
                    row.session.end_date,
                    audience,
                    _("oui") if rate.launched else _("non"),
                    rate.asked,
                    rate.reminded,
                    rate.answered,
                    rate.unreachable,
                ]

    yield csv_file(
        "couverture-parties-prenantes.csv",
        _("Parties prenantes sollicitées par session (%(a)s)") % {"a": ", ".join(audiences)},
        [
            _("session"),
            _("fin"),
            _("partie prenante"),
            _("campagne"),
            _("sollicités"),
            _("relancés"),
            _("répondants"),
            _("non sollicitables"),
        ],
        coverage_rows(),
    )


def apprentices(ctx: PackContext) -> Iterable[PackFile]:
    if ctx.version.code == "V9":
        return
    campaigns = _campaigns(ctx).filter(session__category="CFA")
    results = feedback_selectors.results(ctx.organisation, campaigns)
    yield PackFile(
        "evaluation-enseignements-apprentis.xlsx",
        _("Résultats des questionnaires des sessions d'apprentissage de la période"),
        content=feedback_exports.results_xlsx(_("Apprentissage"), results),
    )


# I31: the complaints register and tableau de suivi


def complaints(ctx: PackContext) -> Iterable[PackFile]:
    found = Complaint.objects.filter(organisation=ctx.organisation, received_at__lte=ctx.until)
    yield PackFile(
        "tableau-de-suivi-des-reclamations.xlsx",
        _(
            "Registre et tableau de suivi des réclamations, aléas et difficultés (identités masquées)"
        ),
        content=exports.xlsx_bytes(
            complaint_selectors.table_header(),
            complaint_selectors.table_rows(found, masked=True),
            sheet=_("Suivi des réclamations"),
        ),
    )


def complaints_procedure(ctx: PackContext) -> Iterable[PackFile]:
    """The version in force on as_of (PDF, with the history of the versions in force until
    then) and that history as a table: who drafted, who validated, when."""
    history = list(
        ComplaintProcedure.objects.filter(
            organisation=ctx.organisation,
            status__in=[ProcedureStatus.PUBLISHED, ProcedureStatus.ARCHIVED],
            validated_at__lte=ctx.until,
        )
        .select_related("organisation")
        .order_by("-number")
    )
    if not history:
        ctx.notes.append(
            _(
                "I31 : aucune procédure de traitement des réclamations validée à la date de référence."
            )
        )
        return
    current = history[0]
    yield PackFile(
        f"procedure-reclamations-v{current.number}.pdf",
        _(
            "Procédure de traitement des réclamations, version %(n)s en vigueur le %(day)s "
            "(et historique)"
        )
        % {"n": current.number, "day": ctx.as_of.isoformat()},
        content=complaint_pdf.procedure_document(
            current, generated_at=ctx.generated_at, history=history
        ),
    )
    yield csv_file(
        "procedure-reclamations-historique.csv",
        _("Historique des versions de la procédure de traitement des réclamations"),
        [
            _("version"),
            _("intitulé"),
            _("rédigée par"),
            _("rédigée le"),
            _("validée par"),
            _("validée le"),
            _("archivée le"),
            _("nature des modifications"),
        ],
        (
            [
                v.number,
                v.title,
                v.edited_by_label,
                timezone.localtime(v.edited_at),
                v.validated_by_label,
                timezone.localtime(v.validated_at) if v.validated_at else "",
                timezone.localtime(v.archived_at)
                if v.archived_at and v.archived_at <= ctx.until
                else "",
                v.change_note,
            ]
            for v in history
        ),
    )


# I32: the dropout causes the improvement plan starts from


def dropout_causes(ctx: PackContext) -> Iterable[PackFile]:
    stats = _stats(ctx)
    yield csv_file(
        "causes-abandon.csv",
        _("Causes d'abandon de la période (part des abandons)"),
        [_("cause"), _("abandons"), _("part (%)")],
        ([row.label, row.dropouts, row.rate] for row in stats.by_cause),
    )


# I32: the improvement tracking table, the quality risk register, the reviews' minutes


def improvement_table(ctx: PackContext) -> Iterable[PackFile]:
    actions = Action.objects.filter(organisation=ctx.organisation, created_at__lte=ctx.until)
    yield PackFile(
        "tableau-de-suivi-des-ameliorations.xlsx",
        _("Tableau de suivi des actions d'amélioration (personnes masquées)"),
        content=exports.xlsx_bytes(
            improvement_selectors.table_header(),
            improvement_selectors.table_rows(actions, masked=True),
            sheet=_("Suivi des améliorations"),
        ),
    )


def risk_register(ctx: PackContext) -> Iterable[PackFile]:
    risks = Risk.objects.filter(organisation=ctx.organisation, created_at__lte=ctx.until)
    found = risk_selectors.register(ctx.organisation, risks, ctx.as_of)
    yield PackFile(
        "registre-des-risques.xlsx",
        _("Registre des risques qualité au %(day)s") % {"day": ctx.as_of.isoformat()},
        content=exports.xlsx_bytes(
            risk_selectors.table_header(),
            risk_selectors.table_rows(found),
            sheet=_("Registre des risques"),
        ),
    )


def review_minutes(ctx: PackContext) -> Iterable[PackFile]:
    reviews = (
        Review.objects.filter(
            organisation=ctx.organisation,
            held_on__gte=ctx.period_start,
            held_on__lte=ctx.as_of,
            created_at__lte=ctx.until,
        )
        .prefetch_related("participants")
        .order_by("held_on", "pk")
    )
    yield csv_file(
        "revues-qualite.csv",
        _("Revues qualité de la période : participants et comptes rendus"),
        [_("date"), _("type"), _("état"), _("participants"), _("compte rendu")],
        (
            [
                review.held_on,
                review.get_kind_display(),
                review.get_status_display(),
                ", ".join(
                    [str(p) for p in review.participants.all()]
                    + [x.strip() for x in review.other_participants.splitlines() if x.strip()]
                ),
                review.minutes,
            ]
            for review in reviews
        ),
    )


def register_defaults() -> None:
    register_section("I12", "procedures", procedures, order=10)
    register_section("I12", "attendance", attendance_sheets, order=20)
    register_section("I12", "cases", case_reports, order=30)
    register_section("I12", "dropouts", dropouts, order=40)
    register_section("I30", "surveys", surveys, order=10)
    register_section("I31", "procedure", complaints_procedure, order=5)
    register_section("I31", "complaints", complaints, order=10)
    register_section("I32", "dropout_causes", dropout_causes, order=10)
    register_section("I32", "improvement_table", improvement_table, order=20)
    register_section("I32", "risk_register", risk_register, order=30)
    register_section("I32", "reviews", review_minutes, order=40)
    register_section("I33", "apprentices", apprentices, order=10)
