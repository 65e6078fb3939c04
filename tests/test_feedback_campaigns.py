"""Campaigns: scheduled from session dates by the worker's rules, recipients from the
data (those without an e-mail listed as non sollicitables), the answering page, and
reminders that stop once answered and never double."""

import datetime as dt
import html as htmllib

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from parcours.core.models import JournalEntry, Organisation
from parcours.feedback import services
from parcours.feedback.models import (
    AttributedAnswer,
    Audience,
    Campaign,
    EventKind,
    Invitation,
    InvitationState,
    Questionnaire,
)
from parcours.messaging.models import Message
from tests.feedback_support import at, build_cohort, launch

TODAY = dt.date(2026, 6, 26)


def text(response: object) -> str:
    return htmllib.unescape(response.content.decode())  # type: ignore[attr-defined]


def worker() -> None:
    call_command("worker", once=True, stdout=None)


def test_the_worker_launches_the_end_of_session_campaigns_for_every_stakeholder(
    org_a: Organisation,
) -> None:
    cohort = build_cohort(org_a, end=TODAY, learners=3, without_email=1)
    # The check-in goes out at 30 % of the session (day 18 of 60), nothing else before the end.
    for days_before in (43, 42, 1):
        with time_machine.travel(at(TODAY - dt.timedelta(days=days_before), 20), tick=False):
            worker()
        if days_before == 43:
            assert not Campaign.objects.exists()
    assert [c.questionnaire.key for c in Campaign.objects.all()] == ["point-mi-parcours"]
    with time_machine.travel(at(TODAY, 20), tick=False):
        worker()
    by_key = {c.questionnaire.key: c for c in Campaign.objects.filter(session=cohort.session)}
    assert set(by_key) == {"point-mi-parcours", "apprenant-a-chaud", "entreprise", "formateur"}
    hot = by_key["apprenant-a-chaud"]
    assert hot.automatic and hot.version.number == 1
    states = sorted(hot.invitations.values_list("name", "state"))
    assert states == [
        ("Prénom0 Apprenant0", InvitationState.SENT),
        ("Prénom1 Apprenant1", InvitationState.SENT),
        ("Prénom2 Apprenant2", InvitationState.SENT),
        ("Prénom3 Apprenant3", InvitationState.UNREACHABLE),  # no e-mail: listed, not skipped
    ]
    company = sorted(by_key["entreprise"].invitations.values_list("name", "email", "state"))
    assert company == [
        ("Sam Petit", "sam.f@atelier.test", InvitationState.SENT),
        ("Sans contact F", "", InvitationState.UNREACHABLE),
    ]
    assert list(by_key["formateur"].invitations.values_list("email", flat=True)) == [
        "alix.f@formateurs.test"
    ]
    # One e-mail per reachable invitation, through the outbox; a second run sends nothing new.
    queued = Message.objects.filter(related_key=f"feedback.campaign:{hot.pk}")
    assert sorted(queued.values_list("to", flat=True)) == [
        "a0.f@exemple.fr",
        "a1.f@exemple.fr",
        "a2.f@exemple.fr",
    ]
    count = Message.objects.count()
    with time_machine.travel(at(TODAY, 22), tick=False):
        worker()
    assert Message.objects.count() == count
    assert Campaign.objects.count() == 4
    # À froid at end + 90 days (and only then).
    with time_machine.travel(at(TODAY + dt.timedelta(days=90), 8), tick=False):
        worker()
    assert Campaign.objects.filter(questionnaire__key="apprenant-a-froid").count() == 1


def test_a_bilan_de_competences_is_asked_again_after_six_months(org_a: Organisation) -> None:
    build_cohort(org_a, end=TODAY, category="BC")
    with time_machine.travel(at(TODAY + dt.timedelta(days=90), 8), tick=False):
        worker()
    assert not Campaign.objects.filter(questionnaire__key="apprenant-a-froid").exists()
    with time_machine.travel(at(TODAY + dt.timedelta(days=182), 8), tick=False):
        worker()
    assert Campaign.objects.filter(questionnaire__key="apprenant-a-froid").count() == 1


def test_funders_are_asked_once_a_year_about_the_year_before(org_a: Organisation) -> None:
    cohort = build_cohort(org_a, end=TODAY)
    with time_machine.travel(at(dt.date(2027, 1, 15), 9), tick=False):
        worker()
        worker()
    campaign = Campaign.objects.get(questionnaire__audience=Audience.FINANCEUR)
    assert (campaign.period_start, campaign.period_end) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    assert list(campaign.invitations.values_list("funder", flat=True)) == [cohort.funder.pk]


def _launch(org: Organisation, key: str, session: object, day: dt.date = TODAY) -> Campaign:
    return launch(org, key, session, day)  # type: ignore[arg-type]


def test_the_check_in_says_it_is_not_anonymous_and_keeps_who_answered_and_the_day(
    org_a: Organisation,
) -> None:
    cohort = build_cohort(org_a, end=TODAY)
    campaign = _launch(org_a, "point-mi-parcours", cohort.session, TODAY - dt.timedelta(days=40))
    invitation = campaign.invitations.get(enrolment=cohort.enrolments[1])
    url = reverse("feedback:answer", args=[invitation.token])
    day = TODAY - dt.timedelta(days=38)
    client = Client()
    with time_machine.travel(at(day, 12), tick=False):
        page = client.get(url)
        assert page.status_code == 200
        html = text(page)
        assert "Ce questionnaire n'est pas anonyme." in html
        assert html.index("pas anonyme") < html.index("Comment ça se passe ?")
        assert "Pensez-vous arrêter la formation ?" in html
        items = {i.key: i for i in campaign.version.items.all()}
        # Missing required answer: a French message, nothing stored.
        bad = client.post(url, {f"q{items['ca-se-passe'].pk}": "2"})
        assert bad.status_code == 400 and "Merci de répondre à cette question." in text(bad)
        assert not AttributedAnswer.objects.exists()
        bogus = client.post(
            url, {f"q{items['ca-se-passe'].pk}": "9", f"q{items['arreter'].pk}": "1"}
        )
        assert bogus.status_code == 400 and "Réponse non valable." in text(bogus)
        ok = client.post(
            url,
            {
                f"q{items['ca-se-passe'].pk}": "2",
                f"q{items['arreter'].pk}": "1",
                f"q{items['difficultes'].pk}": ["0", "3"],
                f"q{items['besoin'].pk}": "Des horaires aménagés",
            },
        )
        assert ok.status_code == 200 and "Merci" in text(ok)
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ANSWERED and invitation.answered_on == day
    # What a future engagement signal reads: "oui" to "pensez-vous arrêter", the enrolment, the day.
    stop = AttributedAnswer.objects.get(item__key="arreter")
    assert (stop.number, stop.response.enrolment, stop.response.day) == (
        1,
        cohort.enrolments[1],
        day,
    )
    assert sorted(
        AttributedAnswer.objects.filter(item__key="difficultes").values_list("number", flat=True)
    ) == [0, 3]
    # The link works once.
    again = client.post(url, {f"q{items['ca-se-passe'].pk}": "5", f"q{items['arreter'].pk}": "0"})
    assert again.status_code == 410 and "déjà répondu" in text(again)
    assert AttributedAnswer.objects.filter(item__key="arreter").count() == 1
    assert JournalEntry.objects.filter(
        verb="feedback.answered", object_id=str(invitation.pk)
    ).exists()


def test_an_expired_or_unknown_link_is_refused_in_french(org_a: Organisation) -> None:
    cohort = build_cohort(org_a, end=TODAY)
    campaign = _launch(org_a, "apprenant-a-chaud", cohort.session)
    invitation = campaign.invitations.filter(state=InvitationState.SENT).first()
    assert invitation is not None
    with time_machine.travel(at(TODAY + dt.timedelta(days=31)), tick=False):
        page = Client().get(reverse("feedback:answer", args=[invitation.token]))
    assert page.status_code == 410 and "Ce lien a expiré" in text(page)
    page = Client().get(reverse("feedback:answer", args=["nimportequoi"]))
    assert page.status_code == 410 and "Ce lien n'est pas valide." in text(page)


def test_reminders_at_j3_and_j7_stop_once_answered_and_never_double(org_a: Organisation) -> None:
    cohort = build_cohort(org_a, end=TODAY)
    campaign = _launch(org_a, "apprenant-a-chaud", cohort.session)
    first, second, third = campaign.invitations.filter(state=InvitationState.SENT).order_by("name")
    item = campaign.version.items.get(key="global")
    with time_machine.travel(at(TODAY + dt.timedelta(days=1)), tick=False):
        services.submit(first, {f"q{item.pk}": ["5"]}, now=at(TODAY + dt.timedelta(days=1)))
    for day in (2, 3, 3, 4, 7, 7, 8, 20):
        now = at(TODAY + dt.timedelta(days=day), 9)
        with time_machine.travel(now, tick=False):
            services.send_due_reminders(org_a, now=now)
            if day == 4:
                second.refresh_from_db()
                services.submit(second, {f"q{item.pk}": ["4"]}, now=now)
    counts = {
        i.name: (i.reminders, i.events.filter(kind=EventKind.REMINDED).count())
        for i in campaign.invitations.filter(
            state__in=[InvitationState.SENT, InvitationState.ANSWERED]
        )
    }
    assert counts == {first.name: (0, 0), second.name: (1, 1), third.name: (2, 2)}
    to_third = Message.objects.filter(
        to=third.email, related_key=f"feedback.campaign:{campaign.pk}"
    )
    assert sorted(to_third.values_list("subject", flat=True)) == [
        "Rappel : votre avis sur Bureautique F",
        "Rappel : votre avis sur Bureautique F",
        "Votre avis sur Bureautique F",
    ]


def test_launching_by_hand_twice_is_refused(org_a: Organisation, quality: object) -> None:
    from tests.conftest import login

    cohort = build_cohort(org_a, end=TODAY)
    client = login(quality)  # type: ignore[arg-type]
    with time_machine.travel(at(TODAY), tick=False):
        services.ensure_defaults(org_a)
        q = Questionnaire.objects.get(organisation=org_a, key="formateur")
        response = client.post(
            reverse("feedback:index"), {"questionnaire": q.pk, "session": cohort.session.pk}
        )
        assert response.status_code == 302
        again = client.post(
            reverse("feedback:index"), {"questionnaire": q.pk, "session": cohort.session.pk}
        )
    assert again.status_code == 200
    assert "déjà été lancé pour cette session" in text(again)
    assert Campaign.objects.filter(questionnaire=q).count() == 1


@pytest.mark.parametrize("who", ["outsider", "learner_user", "tutor_user"])
def test_strangers_to_the_results_get_403_or_404(
    org_a: Organisation, who: str, request: pytest.FixtureRequest
) -> None:
    from tests.conftest import login

    cohort = build_cohort(org_a, end=TODAY)
    campaign = _launch(org_a, "apprenant-a-chaud", cohort.session)
    client = login(request.getfixturevalue(who))
    for url in (
        reverse("feedback:campaign_detail", args=[campaign.pk]),
        reverse("feedback:session_results", args=[cohort.session.pk]),
        reverse("feedback:session_pdf", args=[cohort.session.pk]),
    ):
        assert client.get(url).status_code in (403, 404)
    results = client.get(reverse("feedback:results"))
    if who == "outsider":  # their own organisation's results: nothing of A's
        assert results.status_code == 200 and "0 / 0" in text(results)
    else:
        assert results.status_code == 403
    assert Invitation.objects.count() >= 3
