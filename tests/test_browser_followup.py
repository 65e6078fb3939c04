"""In Debian's Chromium: a follow-up officer takes a learner from the at-risk list, opens a
case, logs a call and closes the case."""

import datetime as dt
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from parcours.attendance.models import AttendanceMark
from parcours.core.models import JournalEntry, User
from parcours.followup.models import CaseStatus, FollowupCase
from parcours.followup.services import procedure as procedure_services
from parcours.learners.models import Enrolment, Learner
from parcours.programmes.models import Session, Slot
from tests.conftest import PASSWORD, World
from tests.test_browser import browser, wait_for_text  # noqa: F401

PARIS = ZoneInfo("Europe/Paris")


def set_value(driver: WebDriver, name: str, value: str) -> None:
    """Fill a field whatever its widget (datetime-local inputs ignore typed keys)."""
    field = driver.find_element(By.NAME, name)
    driver.execute_script("arguments[0].value = arguments[1];", field, value)


@pytest.mark.browser
def test_an_officer_walks_a_case_from_the_at_risk_list_to_closure(
    live_server: Any,
    browser: WebDriver,  # noqa: F811 (the fixture imported above)
    world_a: World,
    officer: User,
) -> None:
    org, today = world_a.org, timezone.localdate()
    procedure_services.ensure_default_procedure(org)
    session = Session.objects.create(
        organisation=org,
        programme=world_a.programme,
        external_id="S-NOV",
        title="Paie automne",
        category="AF",
        modality="presentiel",
        start_date=today - dt.timedelta(days=35),
        end_date=today + dt.timedelta(days=60),
        duration_hours=70,
    )
    learner = Learner.objects.create(
        organisation=org, external_id="L-ABS", last_name="Absentéiste", first_name="Noé"
    )
    enrolment = Enrolment.objects.create(
        organisation=org, learner=learner, session=session, enrolled_on=session.start_date
    )
    for weeks_ago, status in ((4, "present"), (3, "absent"), (2, "absent"), (1, "absent")):
        day = today - dt.timedelta(weeks=weeks_ago)
        slot = Slot.objects.create(
            organisation=org,
            session=session,
            starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=PARIS),
            ends_at=dt.datetime.combine(day, dt.time(12), tzinfo=PARIS),
        )
        AttendanceMark.objects.create(
            organisation=org, slot=slot, enrolment=enrolment, status=status, method="formateur"
        )
    call_command("risk", "--as-of", today.isoformat(), "--store", stdout=StringIO())

    browser.get(f"{live_server.url}/connexion/")
    browser.find_element(By.NAME, "username").send_keys(officer.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for_text(browser, "Tableau de bord")

    # The at-risk list: the learner, high, with the reason.
    nav = browser.find_element(By.CSS_SELECTOR, "nav")
    nav.find_element(By.CSS_SELECTOR, "[data-menu-group=suivi] summary").click()
    nav.find_element(By.LINK_TEXT, "Risque de décrochage").click()
    wait_for_text(browser, "Absentéiste")
    row = next(
        r
        for r in browser.find_elements(By.CSS_SELECTOR, "main tbody tr")
        if "Absentéiste" in r.text
    )
    assert "3 absences consécutives" in row.text and "levé" in row.text  # « Élevé »
    row.find_element(By.CSS_SELECTOR, f"a[href$='{learner.get_absolute_url()}']").click()

    # The learner, then the enrolment, where the case is opened.
    WebDriverWait(browser, 10).until(ec.url_contains(learner.get_absolute_url()))
    browser.find_element(By.CSS_SELECTOR, f"main a[href$='{enrolment.get_absolute_url()}']").click()
    WebDriverWait(browser, 10).until(ec.url_contains(enrolment.get_absolute_url()))
    browser.find_element(By.LINK_TEXT, "Ouvrir un dossier de suivi").click()
    Select(browser.find_element(By.NAME, "trigger_kind")).select_by_value("manuel")
    browser.find_element(By.NAME, "reason").send_keys("Trois absences : à appeler aujourd'hui.")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(browser, "Dossier de suivi ouvert.")
    case = FollowupCase.objects.get(enrolment=enrolment)
    assert browser.current_url.endswith(case.get_absolute_url())

    # A call, reached, which carries out the call step.
    browser.find_element(By.XPATH, "//summary[contains(., 'Enregistrer un appel')]").click()
    set_value(browser, "called_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    duration = browser.find_element(By.NAME, "duration_minutes")
    duration.clear()
    duration.send_keys("12")
    Select(browser.find_element(By.NAME, "outcome")).select_by_value("joint")
    browser.find_element(By.NAME, "summary").send_keys("Souci de garde d'enfant, solution trouvée.")
    completes = browser.find_elements(By.NAME, "completes_step")
    if completes:
        completes[0].click()
    browser.find_element(By.NAME, "summary").submit()
    wait_for_text(browser, "Souci de garde d'enfant")

    # Closing: re-engaged, with a note (and a reason for any step left).
    browser.find_element(By.LINK_TEXT, "Clore le dossier").click()
    Select(browser.find_element(By.NAME, "outcome")).select_by_value("reengage")
    browser.find_element(By.NAME, "note").send_keys("Reprise des cours la semaine prochaine.")
    browser.find_element(By.NAME, "forced_reason").send_keys("Situation réglée par l'appel.")
    browser.find_element(By.NAME, "note").submit()
    wait_for_text(browser, "Reprise des cours la semaine prochaine.")

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "reengage"
    assert case.closed_by == officer
    verbs = set(
        JournalEntry.objects.filter(organisation=org, actor=officer).values_list("verb", flat=True)
    )
    assert {"followup.case_opened", "followup.call_logged", "followup.case_closed"} <= verbs, verbs
