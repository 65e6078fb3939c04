"""« Mon espace » is the portal app: its URLs are the learner's alone, and its page is
made of registered sections, so that a new block plugs in without touching the page."""

import datetime as dt
import zoneinfo
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from parcours.core.models import User
from parcours.learners import services as learner_services
from parcours.learners.models import Learner
from parcours.portal import sections
from parcours.portal.sections import Section
from tests.conftest import World, login

NOW = dt.datetime(2026, 3, 12, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))


def portal_url_names() -> list[str]:
    names = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "portal":
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern) and pattern.name, pattern
                names.append(f"portal:{pattern.name}")
    return names


@pytest.fixture
def camille(world_a: World, director: User, learner_user: User) -> Client:
    learner_services.update_learner(world_a.learner, acting_user=director, user=learner_user)
    return login(learner_user)


def test_the_portal_keeps_its_urls_under_mon_espace() -> None:
    assert sorted(portal_url_names()) == ["portal:adaptations", "portal:home", "portal:report"]
    assert reverse("portal:home") == "/mon-espace/"
    assert reverse("portal:adaptations") == "/mon-espace/adaptations/"
    assert reverse("portal:report") == "/mon-espace/signalement/"


@pytest.mark.parametrize("persona", ["director", "quality", "officer", "tutor_user", "auditor"])
def test_every_portal_page_is_refused_to_the_back_office(
    world_a: World, persona: str, request: pytest.FixtureRequest
) -> None:
    client = login(request.getfixturevalue(persona))
    for name in portal_url_names():
        assert client.get(reverse(name)).status_code == 403, name
        assert Client().get(reverse(name)).status_code == 302, name


@pytest.fixture
def extra_section() -> Iterator[Section]:
    def context(learner: Learner, now: dt.datetime) -> dict[str, str] | None:
        return {"greeting": f"{learner.first_name} / {now:%d/%m/%Y}"}

    section = sections.register(
        Section("test-extra", 15, "portal/sections/test_extra.html", context)
    )
    yield section
    sections.unregister(section.key)


def test_a_registered_section_is_a_block_of_the_page_in_its_order(
    world_a: World, camille: Client, extra_section: Section, tmp_path, settings
) -> None:
    template = tmp_path / "portal" / "sections" / "test_extra.html"
    template.parent.mkdir(parents=True)
    template.write_text('<p class="test-extra">{{ greeting }}</p>', encoding="utf-8")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    with time_machine.travel(NOW, tick=False):
        page = camille.get("/mon-espace/").content.decode()
    block = f'<p class="test-extra">{world_a.learner.first_name} / 12/03/2026</p>'
    assert block in page
    # Order 15: after the adaptations link (10), before the safeguarding link (20).
    assert page.index(block) < page.index('class="portal-safeguarding"')
    assert page.index(block) < page.index("Mes prochaines séances")
    sections.unregister(extra_section.key)
    with time_machine.travel(NOW, tick=False):
        assert "test-extra" not in camille.get("/mon-espace/").content.decode()


def test_the_built_in_sections_are_registered_in_reading_order() -> None:
    keys = [s.key for s in sections.sections()]
    # The questionnaires still to answer come first, then the built-in blocks.
    assert keys[:5] == ["questionnaires", "adaptations", "safeguarding", "complaints", "attendance"]
