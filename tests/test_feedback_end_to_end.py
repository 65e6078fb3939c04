"""The issue's must-show, end to end with the real worker and a real SMTP server
(aiosmtpd): a session ends and the à chaud campaign goes out; one learner opens the
link from the e-mail they received and answers (on a phone-sized Chromium in the
browser variant); another is reminded twice, then answers; a third never answers.
The response rate reads 2/3 and nobody who answered gets a reminder."""

import datetime as dt
import html
import io
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from parcours.core.models import Organisation, User
from parcours.feedback.models import Campaign, InvitationState
from tests.conftest import login
from tests.feedback_support import at, build_cohort
from tests.smtp import smtp_server
from tests.test_browser import browser, wait_for_text  # noqa: F401

END = dt.date(2026, 6, 26)
LINK = re.compile(r"https?://\S+/q/[\w-]+/")


def worker(when: dt.datetime) -> None:
    with time_machine.travel(when, tick=True):
        for _ in range(3):  # a job queued during a pass runs at the next one
            call_command("worker", once=True, stdout=io.StringIO())


def link_in(message: Any) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = LINK.search(body)
    assert found, body
    return found.group(0)


def answer_with_client(url: str, when: dt.datetime, global_score: str) -> None:
    path = re.sub(r"^https?://[^/]+", "", url)
    client = Client()
    with time_machine.travel(when, tick=False):
        page = html.unescape(client.get(path).content.decode())
        assert "Questionnaire anonyme" in page
        name = re.search(r'name="(q\d+)" value="5"', page)
        assert name
        response = client.post(path, {name.group(1): global_score})
        assert response.status_code == 200


def scenario(
    org: Organisation, director: User, answer_first: Callable[[str, dt.datetime], None]
) -> None:
    cohort = build_cohort(org, end=END, learners=3)
    first, second, third = (e.learner.email for e in cohort.enrolments)
    with (
        smtp_server() as (inbox, port),
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=5,
        ),
    ):
        worker(at(END, 19))  # the session's last day: the à chaud campaign goes out
        campaign = Campaign.objects.get(
            session=cohort.session, questionnaire__key="apprenant-a-chaud"
        )

        def mails_to(address: str) -> list[Any]:
            return [
                m
                for m in inbox.messages
                if m["To"] == address and "Bureautique F" in str(m["Subject"])
            ]

        assert [len(mails_to(a)) for a in (first, second, third)] == [1, 1, 1]
        answer_first(link_in(mails_to(first)[0]), at(END + dt.timedelta(days=1), 8))

        for day in (2, 3, 4, 7, 8):
            worker(at(END + dt.timedelta(days=day), 9))
        assert len(mails_to(second)) == 3  # the invitation and two reminders
        answer_with_client(link_in(mails_to(second)[-1]), at(END + dt.timedelta(days=8), 18), "4")
        for day in (10, 14, 30):
            worker(at(END + dt.timedelta(days=day), 9))

        subjects = Counter((m["To"], " ".join(str(m["Subject"]).split())) for m in inbox.messages)
        assert subjects[(first, "Votre avis sur Bureautique F")] == 1
        assert (
            subjects[(first, "Rappel : votre avis sur Bureautique F")] == 0
        )  # answered: no reminder
        assert subjects[(second, "Rappel : votre avis sur Bureautique F")] == 2
        assert (
            subjects[(third, "Rappel : votre avis sur Bureautique F")] == 2
        )  # J+3, J+7, never more
        assert max(subjects.values()) <= 2 or all(v <= 2 for v in subjects.values())

    states = Counter(campaign.invitations.values_list("state", flat=True))
    assert states == {InvitationState.ANSWERED: 2, InvitationState.SENT: 1}
    with time_machine.travel(at(END + dt.timedelta(days=30), 10), tick=False):
        page = html.unescape(
            login(director)
            .get(reverse("feedback:campaign_detail", args=[campaign.pk]))
            .content.decode()
        )
    assert "2 / 3" in page and "(67 %)" in page


def test_a_campaign_from_session_end_to_a_two_thirds_response_rate(
    org_a: Organisation, director: User
) -> None:
    scenario(org_a, director, lambda url, when: answer_with_client(url, when, "5"))


@pytest.mark.browser
def test_a_learner_answers_from_the_emailed_link_on_a_phone(
    org_a: Organisation,
    director: User,
    live_server: Any,
    browser: WebDriver,  # noqa: F811 (the fixture imported above)
    settings: Any,
) -> None:
    settings.SITE_URL = live_server.url

    def on_the_phone(url: str, when: dt.datetime) -> None:
        assert url.startswith(live_server.url)
        with time_machine.travel(when, tick=False):
            browser.set_window_size(390, 844)
            browser.get(url)
            wait_for_text(browser, "Questionnaire anonyme")
            assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
            browser.find_element(
                By.CSS_SELECTOR, "fieldset.question input[type=radio][value='5']"
            ).click()
            browser.find_element(By.CSS_SELECTOR, "textarea").send_keys("Très bien, merci")
            browser.find_element(By.CSS_SELECTOR, "form.questionnaire button[type=submit]").click()
            wait_for_text(browser, "Merci, vos réponses sont enregistrées.")

    scenario(org_a, director, on_the_phone)
