"""A session with every kind of stakeholder, for the feedback tests: learners (one without
an e-mail), a company tutor, a company without a tutor nor an e-mail, a trainer who has an
account (chargé de suivi), and a funder."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from parcours.core.models import Organisation, User
from parcours.feedback import services
from parcours.feedback.models import Campaign, Invitation, Questionnaire
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment, Funder, Tutor
from parcours.programmes import services as programme_services
from parcours.programmes.models import Session, Trainer

PARIS = ZoneInfo("Europe/Paris")


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


@dataclass
class Cohort:
    session: Session
    enrolments: list[Enrolment]
    trainer: Trainer
    tutor: Tutor
    funder: Funder


def build_cohort(
    org: Organisation,
    *,
    end: dt.date,
    learners: int = 3,
    without_email: int = 0,
    trainer_user: User | None = None,
    prefix: str = "F",
    category: str = "AF",
    days: int = 60,
) -> Cohort:
    trainer = programme_services.create_trainer(
        org,
        acting_user=None,
        last_name=f"Durand{prefix}",
        first_name="Alix",
        email=f"alix.{prefix.lower()}@formateurs.test",
        user=trainer_user,
    )
    session = programme_services.create_session(
        org,
        acting_user=None,
        external_id=f"{prefix}-S",
        title=f"Bureautique {prefix}",
        category=category,
        modality="presentiel",
        start_date=end - dt.timedelta(days=days),
        end_date=end,
        duration_hours=Decimal("35"),
        trainers=[trainer],
    )
    employer = learner_services.create_employer(org, acting_user=None, name=f"Atelier {prefix}")
    tutor = learner_services.create_tutor(
        employer,
        acting_user=None,
        last_name="Petit",
        first_name="Sam",
        email=f"sam.{prefix.lower()}@atelier.test",
    )
    silent = learner_services.create_employer(org, acting_user=None, name=f"Sans contact {prefix}")
    funder = learner_services.create_funder(
        org,
        acting_user=None,
        name=f"OPCO {prefix}",
        kind="opco",
        contact_email=f"opco.{prefix.lower()}@opco.test",
    )
    enrolments = []
    for n in range(learners + without_email):
        learner = learner_services.create_learner(
            org,
            acting_user=None,
            external_id=f"{prefix}-L{n}",
            last_name=f"Apprenant{n}",
            first_name=f"Prénom{n}",
            email=f"a{n}.{prefix.lower()}@exemple.fr" if n < learners else "",
        )
        extra = (
            {"tutor": tutor, "employer": employer}
            if n == 0
            else {"employer": silent}
            if n == 1
            else {}
        )
        enrolments.append(
            learner_services.enrol(
                learner,
                session,
                acting_user=None,
                enrolled_on=session.start_date - dt.timedelta(days=7),
                funder=funder,
                **extra,
            )
        )
    return Cohort(session, enrolments, trainer, tutor, funder)


def post_answers(
    client: Client, invitation: Invitation, answers: dict[str, object]
) -> HttpResponse:
    """Answer through the public page, as the respondent's browser would."""
    items = {i.key: i for i in invitation.campaign.version.items.all()}
    data: dict[str, object] = {}
    for key, value in answers.items():
        data[f"q{items[key].pk}"] = value
    return client.post(reverse("feedback:answer", args=[invitation.token]), data)


def launch(org: Organisation, key: str, session: Session | None, day: dt.date) -> Campaign:
    with time_machine.travel(at(day), tick=False):
        services.ensure_defaults(org)
        campaign = services.launch_campaign(
            Questionnaire.objects.get(organisation=org, key=key),
            acting_user=None,
            now=at(day),
            session=session,
        )
        services.send_invitations(campaign, now=at(day))  # (what the worker's job does)
        return campaign
