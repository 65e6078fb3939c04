"""The feedback part of the demo organisation: past sessions with answered campaigns for
every audience, one past session whose companies and funders were never asked (the gap
an auditor finds on indicator 30), and a mid-session check-in in which one learner says
they are thinking of stopping."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from parcours.core.models import Organisation
from parcours.feedback import services
from parcours.feedback.defaults import CATCH_UP_DAYS
from parcours.feedback.models import Campaign, InvitationState, ItemKind, Questionnaire
from parcours.learners.models import Learner
from parcours.programmes.models import Session

PARIS = ZoneInfo("Europe/Paris")
COMMENTS = [
    "Formateur très à l'écoute, exercices concrets.",
    "Le rythme était un peu rapide sur la fin.",
    "Salle trop petite pour le groupe.",
    "Supports clairs, je les réutilise au travail.",
    "J'aurais aimé plus de cas pratiques.",
    "Très bonne organisation, merci.",
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PARIS)


def _answer_all(campaign: Campaign, rng: random.Random, *, share: float, day: dt.date) -> None:
    invitations = list(campaign.invitations.filter(state=InvitationState.SENT).order_by("pk"))
    for n, invitation in enumerate(invitations):
        if rng.random() > share:
            continue
        data: dict[str, list[str]] = {}
        for item, _trainer, name in services.questions(invitation):
            if item.kind == ItemKind.SCALE5:
                data[name] = [str(rng.choices([2, 3, 4, 5], weights=[1, 2, 5, 4])[0])]
            elif item.kind == ItemKind.NPS:
                data[name] = [str(rng.choices(range(11), weights=[1] * 6 + [2, 3, 5, 5, 4])[0])]
            elif item.kind == ItemKind.YESNO:
                data[name] = ["0" if item.key == "arreter" else str(rng.choice([0, 1, 1]))]
            elif item.kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
                data[name] = [str(rng.randrange(len(item.options)))]
            elif rng.random() < 0.4:
                data[name] = [rng.choice(COMMENTS)]
        services.submit(invitation, data, now=_at(day + dt.timedelta(days=n % 4), 10 + n % 8))


def build_feedback_demo(
    organisation: Organisation, *, today: dt.date, seed: int = 30
) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data)
    services.ensure_defaults(organisation)
    q = {x.key: x for x in Questionnaire.objects.filter(organisation=organisation)}
    past = list(
        Session.objects.filter(
            organisation=organisation, end_date__lt=today - dt.timedelta(days=40)
        )
        .annotate(
            reachable=Count("enrolments", filter=Q(enrolments__funder__isnull=False))
            + Count(
                "enrolments",
                filter=Q(enrolments__tutor__isnull=False) | Q(enrolments__employer__isnull=False),
            )
        )
        .order_by("-end_date", "pk")[:6]
    )
    campaigns = 0
    # Every session ended in the past year asked its stakeholders (those ended in the last
    # fortnight are the worker's, below), but one: the gap, chosen as before among the
    # six latest ended over forty days ago.
    year = list(
        Session.objects.filter(
            organisation=organisation,
            end_date__gte=today - dt.timedelta(days=365),
            end_date__lt=today - dt.timedelta(days=CATCH_UP_DAYS),
        ).order_by("-end_date", "pk")
    )
    if past:
        gap = max(past, key=lambda s: (s.reachable, s.end_date))  # type: ignore[attr-defined]
        for session in year:
            keys = ["apprenant-a-chaud", "formateur"]
            if session != gap:
                keys += ["entreprise", "financeur"]
            if session.category == "APP":
                keys.append("apprenti-enseignements")
            for key in keys:
                campaign = services.launch_campaign(
                    q[key], acting_user=None, now=_at(session.end_date, 17), session=session
                )
                services.send_invitations(campaign, now=_at(session.end_date, 17), deliver=False)
                _answer_all(campaign, rng, share=0.8, day=session.end_date + dt.timedelta(days=1))
                campaigns += 1
        # Those who did not answer were reminded at J+3 and J+7 (recorded, not mailed).
        for end in sorted({s.end_date for s in year}):
            for days in (4, 8):
                services.send_due_reminders(
                    organisation, now=_at(end + dt.timedelta(days=days), 8), deliver=False
                )
    running = (
        Session.objects.filter(organisation=organisation, start_date__lt=today, end_date__gt=today)
        .annotate(n=Count("enrolments"))
        .filter(n__gte=2)
        .order_by("start_date", "pk")
        .first()
    )
    if running is not None:
        launched = max(running.start_date, today - dt.timedelta(days=10))
        checkin = services.launch_campaign(
            q["point-mi-parcours"], acting_user=None, now=_at(launched, 9), session=running
        )
        services.send_invitations(checkin, now=_at(launched, 9), deliver=False)
        campaigns += 1
        items = {i.key: i for i in checkin.version.items.all()}
        for n, invitation in enumerate(
            checkin.invitations.filter(state=InvitationState.SENT).order_by("pk")
        ):
            stopping = n == 0
            data = {
                f"q{items['ca-se-passe'].pk}": ["2" if stopping else str(rng.choice([3, 4, 4, 5]))],
                f"q{items['arreter'].pk}": ["1" if stopping else "0"],
            }
            if stopping:
                data[f"q{items['difficultes'].pk}"] = ["3"]
                data[f"q{items['besoin'].pk}"] = [
                    "Je n'arrive plus à concilier la formation et mon travail."
                ]
            # (everyone answers: the demo leaves no reminder due)
            services.submit(
                invitation, data, now=_at(min(today, launched + dt.timedelta(days=2)), 12)
            )
    # The campaigns the rules call for today are launched as part of the demo's past, so
    # that the demo's worker does not mail its fictitious people on its first pass.
    now = _at(today, 6)
    for campaign in services.schedule_due(organisation, now=now):
        services.send_invitations(campaign, now=now, deliver=False)
        campaigns += 1
    campaigns += _persona_checkin(organisation, q["point-mi-parcours"], rng, now=now)
    return {"feedback_campaigns": campaigns}


def _persona_checkin(
    organisation: Organisation,
    questionnaire: Questionnaire,
    rng: random.Random,
    *,
    now: dt.datetime,
) -> int:
    """The demo learner who logs in finds a questionnaire to answer in their space: the
    check-in of their current session, sent this morning; their group has answered."""
    persona = (
        Learner.objects.filter(organisation=organisation, user__isnull=False).order_by("pk").first()
    )
    today = now.date()
    session = (
        Session.objects.filter(
            enrolments__learner=persona, start_date__lt=today, end_date__gt=today
        )
        .order_by("start_date", "pk")
        .first()
        if persona is not None
        else None
    )
    if (
        session is None
        or Campaign.objects.filter(session=session, questionnaire=questionnaire).exists()
    ):
        return 0
    checkin = services.launch_campaign(questionnaire, acting_user=None, now=now, session=session)
    services.send_invitations(checkin, now=now, deliver=False)
    items = {i.key: i for i in checkin.version.items.all()}
    for invitation in checkin.invitations.filter(state=InvitationState.SENT).exclude(
        learner=persona
    ):
        data = {
            f"q{items['ca-se-passe'].pk}": [str(rng.choice([3, 4, 4, 5]))],
            f"q{items['arreter'].pk}": ["0"],
        }
        services.submit(invitation, data, now=now)
    return 1
