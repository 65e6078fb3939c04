"""A learner signs a slot in progress on a phone-sized screen, in Debian's Chromium."""

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from parcours.attendance import signing
from parcours.attendance.models import AttendanceMark, Signature
from parcours.programmes import services as programme_services
from tests.conftest import World
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
    browser.get(live_server.url + path_of(signing.link_url(slot, world_a.enrolment)))
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
    assert len(signature.digest) == 64 and signing.verify_digest(signature)
    # What was stored is the drawing: a PNG that is not blank.
    assert signing.decode_signature_image(signing.PNG_DATA_URL + base64.b64encode(png).decode())
    mark = AttendanceMark.objects.get(slot=slot, enrolment=world_a.enrolment)
    assert (mark.status, mark.method) == ("present", "lien")
    assert "Chrome" in signature.user_agent and signature.ip_address == "127.0.0.1"
