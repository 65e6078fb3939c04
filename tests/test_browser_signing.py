"""A learner signs a slot in progress on a phone-sized screen, in Debian's Chromium."""

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from parcours.attendance.models import AttendanceMark, Signature
from parcours.attendance.signing import services as signing_services
from parcours.attendance.signing import tokens as signing_tokens
from parcours.core.models import User
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from tests.conftest import PASSWORD, World
from tests.test_attendance_signing import path_of
from tests.test_browser import browser, wait_for_text  # noqa: F401


@pytest.mark.browser
def test_a_learner_signs_with_their_personal_link_on_a_phone(
    live_server: Any,
    browser: WebDriver,  # noqa: F811 (the fixture imported above)
    world_a: World,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    slot = programme_services.create_slot(
        world_a.session,
        acting_user=None,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=2),
    )
    browser.set_window_size(390, 844)
    browser.get(live_server.url + path_of(signing_tokens.link_url(slot, world_a.enrolment)))
    wait_for_text(browser, "Camille MartinA")

    canvas = browser.find_element(By.CSS_SELECTOR, "[data-signature-pad] canvas")
    assert canvas.size["width"] <= 390
    (
        ActionChains(browser)
        .move_to_element_with_offset(canvas, -120, 10)
        .click_and_hold()
        .move_by_offset(40, -30)
        .move_by_offset(40, 40)
        .move_by_offset(60, -20)
        .move_by_offset(50, 25)
        .release()
        .perform()
    )
    field = browser.find_element(By.NAME, "signature")
    assert (field.get_attribute("value") or "").startswith("data:image/png;base64,")
    browser.find_element(By.CSS_SELECTOR, "form[data-signature-form] button[type=submit]").click()
    wait_for_text(browser, "votre présence est enregistrée")

    signature = Signature.objects.get(slot=slot)
    assert signature.mark is not None and signature.mark.enrolment == world_a.enrolment
    png = signature.image.read()
    assert png.startswith(b"\x89PNG") and len(png) > 100
    assert len(signature.digest) == 64 and signing_services.verify_digest(signature)
    # What was stored is the drawing: a PNG that is not blank.
    assert signing_services.decode_signature_image(
        signing_services.PNG_DATA_URL + base64.b64encode(png).decode()
    )
    mark = AttendanceMark.objects.get(slot=slot, enrolment=world_a.enrolment)
    assert (mark.status, mark.method) == ("present", "lien")
    assert "Chrome" in signature.user_agent and signature.ip_address == "127.0.0.1"


def draw_signature(driver: WebDriver) -> None:
    canvas = driver.find_element(By.CSS_SELECTOR, "[data-signature-pad] canvas")
    # Pointer actions do not scroll: bring the pad into view first, wherever the page put it.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    (
        ActionChains(driver)
        .move_to_element_with_offset(canvas, -100, 10)
        .click_and_hold()
        .move_by_offset(40, -30)
        .move_by_offset(40, 40)
        .move_by_offset(60, -20)
        .release()
        .perform()
    )


def log_in(driver: WebDriver, base: str, email: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/connexion/")
    driver.find_element(By.NAME, "username").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 10).until(ec.url_to_be(f"{base}/"))


@pytest.mark.browser
def test_the_sheet_keeps_the_trainers_marks_flags_the_conflict_and_closes(
    live_server: Any,
    browser: WebDriver,  # noqa: F811 (the fixture imported above)
    world_a: World,
    director: User,
    officer: User,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    trainer = programme_services.create_trainer(
        world_a.org, acting_user=director, last_name="Formateur", first_name="Paul", user=officer
    )
    now = timezone.now()
    # A séance that started 80 minutes ago and ends in 10: the trainer opens the QR late.
    slot = programme_services.create_slot(
        world_a.session,
        acting_user=director,
        starts_at=now - dt.timedelta(minutes=80),
        ends_at=now + dt.timedelta(minutes=10),
        trainer=trainer,
    )
    camille = world_a.enrolment
    lea_learner = learner_services.create_learner(
        world_a.org, acting_user=director, last_name="Durand", first_name="Léa", email="lea@ex.fr"
    )
    lea = learner_services.enrol(
        lea_learner, world_a.session, acting_user=director, enrolled_on=world_a.session.start_date
    )

    # The trainer marks the group: Camille present, Léa absent.
    log_in(browser, base, officer.email)
    browser.get(f"{base}/seances/{slot.pk}/")
    browser.find_element(By.CSS_SELECTOR, f"input[name=status-{camille.pk}][value=present]").click()
    browser.find_element(By.CSS_SELECTOR, f"input[name=status-{lea.pk}][value=absent]").click()
    browser.find_element(By.CSS_SELECTOR, "main form button.primary").click()
    wait_for_text(browser, "présences enregistrées")
    # Then opens the QR code, late, and prints the personal codes.
    browser.get(f"{base}/emargement/seance/{slot.pk}/")
    WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "[data-qr-refresh] svg"))
    )
    qr = path_of(signing_tokens.qr_url(slot, timezone.now()))
    browser.find_element(By.XPATH, "//button[contains(., 'Codes personnels')]").click()
    wait_for_text(browser, "Pour signer, ouvrez cette adresse")
    codes = {
        row.find_element(By.TAG_NAME, "td").text: row.find_element(By.CSS_SELECTOR, "code").text
        for row in browser.find_elements(By.CSS_SELECTOR, "table.codes tbody tr")
    }

    # Camille scans the QR code and types her code; Léa opens her personal link.
    browser.delete_all_cookies()
    browser.set_window_size(390, 844)
    browser.get(base + qr)
    browser.find_element(By.NAME, "code").send_keys(codes["Camille MartinA"], Keys.ENTER)
    wait_for_text(browser, "Camille MartinA")
    draw_signature(browser)
    browser.find_element(By.CSS_SELECTOR, "form[data-signature-form] button[type=submit]").click()
    wait_for_text(browser, "votre présence est enregistrée")
    browser.delete_all_cookies()
    browser.get(base + path_of(signing_tokens.link_url(slot, lea)))
    wait_for_text(browser, "Léa Durand")
    draw_signature(browser)
    browser.find_element(By.CSS_SELECTOR, "form[data-signature-form] button[type=submit]").click()
    wait_for_text(browser, "votre présence est enregistrée")

    # The sheet keeps the trainer's marks and flags the one conflict.
    marks = {m.enrolment_id: m for m in AttendanceMark.objects.filter(slot=slot)}
    assert (marks[camille.pk].status, marks[camille.pk].method) == ("present", "formateur")
    assert (marks[lea.pk].status, marks[lea.pk].method) == ("absent", "formateur")
    browser.set_window_size(1280, 900)
    log_in(browser, base, officer.email)
    browser.get(f"{base}/seances/{slot.pk}/")
    conflicts = browser.find_elements(By.CSS_SELECTOR, "[data-conflicts] li[data-conflict]")
    assert [c.get_attribute("data-conflict") for c in conflicts] == [str(lea.pk)]
    assert "Léa Durand" in conflicts[0].text
    assert len(browser.find_elements(By.CSS_SELECTOR, "[data-conflict-flag]")) == 1

    # The trainer countersigns: the sheet is closed, a later signature refused.
    browser.get(f"{base}/emargement/seance/{slot.pk}/")
    draw_signature(browser)
    browser.find_element(By.CSS_SELECTOR, "form[data-signature-form] button[type=submit]").click()
    wait_for_text(browser, "Séance contresignée.")
    assert browser.find_elements(By.CSS_SELECTOR, "[data-sheet-closed]")
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-qr-refresh]")
    browser.delete_all_cookies()
    browser.get(base + path_of(signing_tokens.qr_url(slot, timezone.now())))
    wait_for_text(browser, "La feuille d'émargement de cette séance est close")
    assert Signature.objects.filter(slot=slot, mark__isnull=False).count() == 2
