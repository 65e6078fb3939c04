"""End to end in a real browser: Debian's Chromium, driven by Selenium, on the live server.

`make browser` installs chromium and chromium-driver; without them this test fails, unless
PARCOURS_SKIP_BROWSER=1 says the machine has no browser on purpose.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from parcours.demo.builder import DEMO_PASSWORD, build_demo
from parcours.learners.models import Learner

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        if os.environ.get("PARCOURS_SKIP_BROWSER") == "1":
            pytest.skip("PARCOURS_SKIP_BROWSER=1 : pas de navigateur sur cette machine")
        pytest.fail(
            "chromium et chromedriver sont introuvables : installez-les avec `make browser` "
            "(paquets Debian chromium et chromium-driver), ou posez PARCOURS_SKIP_BROWSER=1.",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}"]:
        options.add_argument(flag)
    options.add_argument("--window-size=1280,900")
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_text(driver: WebDriver, text: str, timeout: float = 10) -> None:
    WebDriverWait(driver, timeout).until(
        ec.text_to_be_present_in_element((By.TAG_NAME, "body"), text)
    )


@pytest.mark.browser
def test_a_follow_up_officer_finds_a_learner_and_sees_their_enrolment(
    live_server: Any, browser: WebDriver
) -> None:
    build_demo(learners=20, seed=5)
    # A learner whose last name is theirs alone, so the search finds exactly them.
    learners = list(Learner.objects.order_by("external_id"))
    learner = next(
        candidate
        for candidate in learners
        if sum(other.last_name == candidate.last_name for other in learners) == 1
    )
    session_titles = [e.session.title for e in learner.enrolments.select_related("session")]

    browser.get(f"{live_server.url}/connexion/")
    browser.find_element(By.NAME, "username").send_keys("suivi@demo.parcours.fr")
    browser.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for_text(browser, "Tableau de bord")
    assert browser.current_url == f"{live_server.url}/"

    nav = browser.find_element(By.CSS_SELECTOR, "nav")
    nav.find_element(By.CSS_SELECTOR, "[data-menu-group=apprenants] summary").click()
    nav.find_element(By.LINK_TEXT, "Apprenants").click()
    search = WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.NAME, "q")))
    search.send_keys(learner.last_name, Keys.ENTER)
    # The unfiltered list holds the link too: wait for the results page itself.
    WebDriverWait(browser, 10).until(ec.url_contains("q="))
    rows = browser.find_elements(By.CSS_SELECTOR, "main tbody tr")
    assert len(rows) == 1, [r.text for r in rows]
    link = WebDriverWait(browser, 10).until(
        ec.element_to_be_clickable(
            (By.CSS_SELECTOR, f"main a[href$='{learner.get_absolute_url()}']")
        )
    )
    link.click()
    WebDriverWait(browser, 10).until(ec.url_contains(learner.get_absolute_url()))
    page = browser.find_element(By.TAG_NAME, "main").text
    assert learner.last_name in page and learner.first_name in page
    assert any(title in page for title in session_titles), (session_titles, page)

    # On a phone, a menu button stands for the navigation and the content comes first;
    # the button opens the grouped menu (no JavaScript involved).
    browser.set_window_size(390, 844)
    browser.get(f"{live_server.url}/")
    nav = browser.find_element(By.CSS_SELECTOR, "nav")
    button = browser.find_element(By.CSS_SELECTOR, "label.menu-button")
    assert button.is_displayed() and not nav.is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, "main h1").location["y"] < 150
    button.click()
    WebDriverWait(browser, 10).until(lambda _driver: nav.is_displayed())
    nav.find_element(By.CSS_SELECTOR, "[data-menu-group=suivi] summary").click()
    link = nav.find_element(By.LINK_TEXT, "Dossiers de suivi")
    assert link.is_displayed()
    link.click()
    WebDriverWait(browser, 10).until(ec.url_contains("/suivi/dossiers/"))
