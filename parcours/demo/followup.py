"""The follow-up part of the demo's past: each dropout has its dropout record (cause,
actions tried), but the two an auditor finds on indicator 12:
- one dropout with no record at all, its cause never written down;
- one whose follow-up case planned an interview that was never held (the call was made,
  the interview never took place), before the learner left.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from parcours.core.models import Organisation, User
from parcours.followup.models import CallOutcome, DropoutReason, FollowupCase, TriggerKind
from parcours.followup.services import cases as case_services
from parcours.followup.services import dropouts as dropout_services
from parcours.followup.services import interactions
from parcours.learners.models import Enrolment, EnrolmentStatus

PARIS = ZoneInfo("Europe/Paris")
REASONS = {
    "Reprise d'un emploi en CDI": DropoutReason.NEW_JOB,
    "Problèmes de santé": DropoutReason.HEALTH,
    "Difficultés financières": DropoutReason.FINANCIAL,
    "Contraintes familiales (garde d'enfants)": DropoutReason.PERSONAL,
    "Déménagement hors de la région": DropoutReason.MOVE,
    "Réorientation vers un autre projet professionnel": DropoutReason.MISDIRECTION,
    "Difficultés de transport": DropoutReason.PERSONAL,
    "Formation ne correspondant pas aux attentes": DropoutReason.PEDAGOGICAL,
    "Absences répétées non justifiées": DropoutReason.OTHER,
    "Rupture du contrat d'apprentissage à l'initiative de l'employeur": (
        DropoutReason.CONTRACT_BREAK
    ),
    "Rupture du contrat d'apprentissage d'un commun accord": DropoutReason.CONTRACT_BREAK,
    "Rupture pendant la période d'essai": DropoutReason.CONTRACT_BREAK,
    "Réorientation vers un autre métier": DropoutReason.MISDIRECTION,
    "Désistement avant l'entrée en formation": DropoutReason.PERSONAL,
    "Financement refusé": DropoutReason.FINANCIAL,
    "Ne s'est pas présenté(e) à l'entrée en formation": DropoutReason.UNKNOWN,
}
ACTIONS_BEFORE = "Relances par courriel et par téléphone, entretien de suivi avant l'abandon."


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def build_followup_demo(organisation: Organisation, *, officer: User) -> dict[str, int]:
    dropped = list(
        Enrolment.objects.filter(organisation=organisation, status=EnrolmentStatus.ABANDON)
        .select_related("session__programme")
        .order_by("pk")
    )
    # The two planted gaps: learners who had started a training that indicator 12 concerns.
    concerned = [
        e
        for e in dropped
        if e.started_on is not None
        and e.ended_on is not None
        and e.started_on < e.ended_on
        and e.session.programme is not None
        and e.session.programme.indicator_12_applies
    ]
    no_record = concerned[0].pk if concerned else None
    with_case = concerned[1].pk if len(concerned) > 1 else None
    records = 0
    for enrolment in dropped:
        if enrolment.pk == no_record:
            continue
        assert enrolment.ended_on is not None  # noqa: S101 (an abandon has its date)
        started = enrolment.started_on is not None
        case = _case_never_finished(enrolment, officer) if enrolment.pk == with_case else None
        dropout_services.record_dropout(
            enrolment,
            acting_user=officer,
            case=case,
            on=enrolment.ended_on,
            reason=REASONS.get(enrolment.end_reason, DropoutReason.OTHER),
            detail=enrolment.end_reason,
            actions_before=ACTIONS_BEFORE if started else "",
        )
        records += 1
    return {"dropout_records": records}


def _case_never_finished(enrolment: Enrolment, officer: User) -> FollowupCase:
    """A case opened by hand twelve days before the dropout: the call was made, the
    interview the procedure plans next was never held."""
    assert enrolment.ended_on is not None and enrolment.started_on is not None  # noqa: S101
    opened_on = max(enrolment.started_on, enrolment.ended_on - dt.timedelta(days=12))
    case = case_services.open_case(
        enrolment,
        trigger_kind=TriggerKind.MANUAL,
        acting_user=officer,
        as_of=opened_on,
        reason="Absences répétées signalées par le formateur",
        assigned_to=officer,
    )
    interactions.log_call(
        case,
        acting_user=officer,
        called_at=_at(opened_on + dt.timedelta(days=1), 10),
        duration_minutes=15,
        outcome=CallOutcome.REACHED,
        summary="Difficultés d'organisation ; un entretien est proposé la semaine suivante.",
        completes_step=True,
    )
    return case
