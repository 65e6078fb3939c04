"""The main menu: four groups of links (Apprenants, Suivi, Qualité, Administration), each
a `<details>` that opens without JavaScript, a menu button for phones, the links a role
may use and no other; apps add their entries to the registry in `AppConfig.ready`."""

import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parcours.core import menu
from tests.conftest import login


def groups_of(page: str) -> dict[str, list[str]]:
    """{group label: [link hrefs]} as the menu shows them."""
    nav = page[page.index('<nav class="mainnav"') : page.index("</nav>")]
    found = {}
    for block in re.findall(r"<details class=\"navgroup\".*?</details>", nav, re.S):
        label = re.search(r"<summary[^>]*>(.*?)</summary>", block, re.S).group(1).strip()
        found[label] = re.findall(r'href="([^"]+)"', block)
    return found


def test_the_direction_menu_is_four_groups_with_a_phone_button(director) -> None:
    page = login(director).get(reverse("learners:learner_list")).text
    groups = groups_of(page)
    assert list(groups) == ["Apprenants", "Suivi", "Qualité", "Administration"]
    assert reverse("learners:learner_list") in groups["Apprenants"]
    assert reverse("followup:case_list") in groups["Suivi"]
    assert reverse("journal") in groups["Qualité"]
    assert reverse("import_upload") in groups["Administration"]
    assert sum(len(links) for links in groups.values()) >= 15
    # The current page's group is marked, and so is its link.
    assert f'href="{reverse("learners:learner_list")}" aria-current="page"' in page
    assert '<summary class="current">Apprenants</summary>' in page
    # A phone gets a menu button (a checkbox toggle, no JavaScript needed).
    assert 'id="menu-toggle"' in page and '<label for="menu-toggle"' in page


def test_the_auditor_finds_the_follow_up_cases_in_the_menu(auditor) -> None:
    client = login(auditor)
    groups = groups_of(client.get("/").text)
    assert reverse("followup:case_list") in groups["Suivi"]
    assert client.get(reverse("followup:case_list")).status_code == 200
    # Read-only: nothing to import, no one to designate, no "my follow-up" work list.
    assert "Administration" not in groups
    assert reverse("followup:dashboard") not in sum(groups.values(), [])


@pytest.mark.parametrize("persona", ["director", "quality", "officer", "auditor", "tutor_user"])
def test_every_link_of_the_menu_opens_for_the_role_that_sees_it(request, persona) -> None:
    client = login(request.getfixturevalue(persona))
    for links in groups_of(client.get("/", follow=True).text).values():
        for href in links:
            assert client.get(href).status_code == 200, (persona, href)


def test_an_app_adds_its_entry_to_the_registry(director, officer) -> None:
    entry = menu.MenuLink(
        "qualite", _("Entrée de test"), "followup:dropout_stats", capability="organisation.manage"
    )
    before = list(menu.MENU)
    menu.MENU[:] = [link for link in before if link.url_name != entry.url_name]
    try:
        menu.register(entry)
        assert (
            reverse("followup:dropout_stats") in groups_of(login(director).get("/").text)["Qualité"]
        )
        assert "Entrée de test" not in login(officer).get("/").text
    finally:
        menu.MENU[:] = before
    with pytest.raises(ValueError):
        menu.register(menu.MenuLink("inconnu", _("X"), "home"))
