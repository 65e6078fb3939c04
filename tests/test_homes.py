"""On a fresh demo, every role's home lists that role's own work: the tutor's apprentices
(and no one else's), the auditor's entry points, the learner's séances, the staff's
dashboard and the follow-up officer's cases; and the demo tutor's personal link opens for
the very tutor who logs in."""

import datetime as dt
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parcours.core.models import Organisation, Role
from parcours.engagement.models import RiskScore
from parcours.feedback.selectors import pending_invitations_for_learner
from parcours.followup import liaison
from parcours.followup.models import CaseStatus, FollowupCase
from parcours.followup.services import liaison as liaison_services
from parcours.learners.models import ENDED_STATUSES, Enrolment, Learner, Tutor
from parcours.messaging.models import Message
from parcours.programmes.models import Slot
from tests import demo_support
from tests.demo_support import DEMO_DAY, DEMO_EMAILS, persona

built_demo, demo = demo_support.built_demo, demo_support.demo  # the module's fixtures


def home_of(role: str) -> tuple[Client, str]:
    client = Client()
    client.force_login(persona(role))
    response = client.get("/", follow=True)
    assert response.status_code == 200, role
    return client, response.content.decode()


def test_the_tutor_sees_their_apprentices_and_no_one_else(demo: Organisation) -> None:
    _client, page = home_of(Role.TUTEUR)
    tutor = Tutor.objects.get(user=persona(Role.TUTEUR))
    own = Enrolment.objects.filter(tutor=tutor).select_related("learner")
    assert own.exists()
    for enrolment in own:
        assert enrolment.learner.full_name in page
        if enrolment.status not in ENDED_STATUSES:
            assert reverse("followup:tutor_sheet_form", args=[enrolment.pk]) in page
    others = Enrolment.objects.filter(organisation=demo, tutor__isnull=False).exclude(tutor=tutor)
    assert others.exists()
    for enrolment in others.select_related("learner"):
        if not Learner.objects.filter(
            first_name=enrolment.learner.first_name,
            last_name=enrolment.learner.last_name,
            enrolments__tutor=tutor,
        ).exists():
            assert enrolment.learner.full_name not in page
    assert reverse("learners:learner_list") not in page


def test_the_demo_tutors_link_reaches_the_tutor_who_logs_in(demo: Organisation) -> None:
    tutor_user = persona(Role.TUTEUR)
    enrolment = (
        Enrolment.objects.filter(tutor__user=tutor_user).exclude(status__in=ENDED_STATUSES).first()
    )
    assert enrolment is not None
    message = liaison_services.send_tutor_link(enrolment, acting_user=persona(Role.SUIVI))
    assert message.to == DEMO_EMAILS[Role.TUTEUR] == tutor_user.email
    token = re.search(r"/liaison/([^/\s]+)/", message.body).group(1)
    linked_enrolment, linked_tutor = liaison.read_link(token)
    assert linked_tutor.user == tutor_user and linked_enrolment == enrolment


def test_the_auditor_home_shows_the_entry_points_of_the_evidence(demo: Organisation) -> None:
    client, page = home_of(Role.AUDITEUR)
    for name in (
        "followup:case_list",
        "followup:procedure",
        "followup:dropout_stats",
        "engagement:risk_list",
        "journal",
        "safeguarding:register",
        "learners:learner_list",
        "programmes:session_list",
    ):
        assert f'href="{reverse(name)}"' in page, name
    cases = client.get(reverse("followup:case_list")).content.decode()
    case = FollowupCase.objects.filter(organisation=demo).first()
    assert case is not None and reverse("followup:case_detail", args=[case.pk]) in cases


def test_the_learner_home_lists_their_seances_and_questionnaires(demo: Organisation) -> None:
    _client, page = home_of(Role.APPRENANT)
    learner = Learner.objects.get(user=persona(Role.APPRENANT))
    assert "Mes prochaines séances" in page and learner.full_name in page
    upcoming = Slot.objects.filter(
        session__enrolments__learner=learner, starts_at__gte=timezone.now()
    ).order_by("starts_at")
    assert upcoming.exists()
    first = timezone.localtime(upcoming[0].starts_at)
    assert first.strftime("%d/%m/%Y %H:%M") in page
    assert "Aucune séance à venir" not in page
    # The questionnaire still to answer: the check-in of their current session.
    pending = pending_invitations_for_learner(learner)
    assert [i.campaign.questionnaire.key for i in pending] == ["point-mi-parcours"]
    assert "Mes questionnaires à remplir" in page
    assert pending[0].get_absolute_url() in page


def test_the_staff_homes_are_their_dashboards_and_the_officer_finds_their_cases(
    demo: Organisation,
) -> None:
    for role in (Role.DIRECTION, Role.QUALITE, Role.SUIVI):
        _client, page = home_of(role)
        assert "Tableau de bord" in page and demo.name in page, role
    officer = persona(Role.SUIVI)
    client = Client()
    client.force_login(officer)
    mine = FollowupCase.objects.filter(
        organisation=demo, assigned_to=officer, status=CaseStatus.OPEN
    ).select_related("enrolment__learner")
    assert mine.exists()
    page = client.get(reverse("followup:dashboard")).content.decode()
    assert any(c.enrolment.learner.full_name in page for c in mine)
    assert Message.objects.filter(organisation=demo).exists()  # the first reminders


def test_the_demo_risk_chart_tells_the_story_of_the_past_weeks(demo: Organisation) -> None:
    days = sorted(set(RiskScore.objects.filter(organisation=demo).values_list("as_of", flat=True)))
    # Six weekly snapshots replayed by the demo, and today's from the worker's nightly pass.
    assert days[-1] == DEMO_DAY and len(days) >= 7
    assert days[-7:-1] == [DEMO_DAY - dt.timedelta(weeks=w) for w in range(6, 0, -1)]
    enrolment = (
        Enrolment.objects.filter(organisation=demo, risk_scores__as_of=days[0])
        .filter(risk_scores__as_of=DEMO_DAY)
        .first()
    )
    assert enrolment is not None
    client = Client()
    client.force_login(persona(Role.DIRECTION))
    page = client.get(reverse("learners:learner_detail", args=[enrolment.learner_id])).text
    chart = page[page.index(f'data-risk-history="{enrolment.pk}"') :]
    chart = chart[: chart.index("</figure>")]
    assert chart.count("<tr data-point=") >= 7 and "data-legend" in chart and "<svg" in chart
