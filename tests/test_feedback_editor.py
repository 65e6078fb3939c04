"""The référent qualité writes a questionnaire in the browser (no JavaScript needed): a new
questionnaire, its questions of every kind, reordering, publishing; a published version
never changes, a new version starts from it, and a campaign keeps the version it froze."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from parcours.core.models import JournalEntry, Organisation, User
from parcours.feedback import services
from parcours.feedback.models import Item, Questionnaire
from tests.conftest import login
from tests.feedback_support import at, build_cohort

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(at(TODAY), tick=False) as traveller:
        yield traveller


def _new(client: Client, title: str = "Satisfaction des entreprises") -> Questionnaire:
    response = client.post(
        reverse("feedback:questionnaire_new"),
        {"title": title, "audience": "entreprise", "moment": "a_chaud", "delay_days": "0"},
    )
    assert response.status_code == 302
    return Questionnaire.objects.get(title=title)


def _add(client: Client, q: Questionnaire, **data: object) -> object:
    base = {"kind": "oui_non", "theme": "organisation", "text": "Question ?", "options": ""}
    return client.post(reverse("feedback:item_add", args=[q.pk]), {**base, **data})


def test_quality_writes_publishes_and_versions_a_questionnaire(
    org_a: Organisation, quality: User
) -> None:
    client = login(quality)
    q = _new(client)
    page = client.get(reverse("feedback:questionnaire_edit", args=[q.pk]))
    assert "Ajouter une question" in page.content.decode()
    for data in (
        {
            "kind": "echelle5",
            "theme": "pedagogie",
            "text": "Clarté des contenus",
            "options": "Pas du tout\nPeu\nMoyen\nBien\nTrès bien",
            "required": "on",
        },
        {"kind": "nps", "theme": "global", "text": "Recommanderiez-vous ?"},
        {
            "kind": "choix_unique",
            "theme": "organisation",
            "text": "Rythme",
            "options": "Trop lent\nBon\nTrop rapide",
        },
        {
            "kind": "choix_multiple",
            "theme": "supports",
            "text": "Supports utiles",
            "options": "Diaporama\nExercices",
        },
        {"kind": "oui_non", "theme": "locaux", "text": "Locaux adaptés ?"},
        {"kind": "texte", "theme": "accompagnement", "text": "Un commentaire ?"},
    ):
        assert _add(client, q, **data).status_code == 302
    draft = q.draft()
    assert draft is not None and draft.number == 1
    items = list(draft.items.order_by("position"))
    assert [i.kind for i in items] == [
        "echelle5",
        "nps",
        "choix_unique",
        "choix_multiple",
        "oui_non",
        "texte",
    ]
    assert items[0].options[4] == "Très bien" and items[0].required
    assert items[2].options == ["Trop lent", "Bon", "Trop rapide"]

    # Reorder: the free text goes up one place; then edit the yes/no question.
    text_item = items[5]
    client.post(reverse("feedback:item_change", args=[q.pk, text_item.pk]), {"action": "up"})
    assert list(draft.items.order_by("position").values_list("kind", flat=True))[4:] == [
        "texte",
        "oui_non",
    ]
    yesno = items[4]
    client.post(
        reverse("feedback:item_change", args=[q.pk, yesno.pk]),
        {"action": "save", "kind": "oui_non", "theme": "locaux", "text": "Locaux accessibles ?"},
    )
    yesno.refresh_from_db()
    assert yesno.text == "Locaux accessibles ?"
    # Remove the NPS question: the others close ranks.
    client.post(reverse("feedback:item_change", args=[q.pk, items[1].pk]), {"action": "remove"})
    assert list(draft.items.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
    ]

    # Preview as the respondent sees it, before publishing.
    preview = client.get(reverse("feedback:preview", args=[q.pk]) + "?version=1").content.decode()
    assert "Aperçu" in preview and "Locaux accessibles ?" in preview and "Trop rapide" in preview

    # Not published yet: no campaign can send it.
    cohort = build_cohort(org_a, end=TODAY, prefix="E")
    with pytest.raises(services.Refused):
        services.launch_campaign(q, acting_user=quality, now=at(TODAY), session=cohort.session)

    assert client.post(reverse("feedback:publish", args=[q.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None and q.current_version() == draft
    page = client.get(reverse("feedback:questionnaire_edit", args=[q.pk])).content.decode()
    assert "publiée, non modifiable" in page and "Créer une nouvelle version" in page
    campaign = services.launch_campaign(
        q, acting_user=quality, now=at(TODAY), session=cohort.session
    )
    assert campaign.version == draft

    # The published version never changes, even by a hand-made POST.
    before = list(draft.items.values_list("pk", "text", "position"))
    response = client.post(
        reverse("feedback:item_change", args=[q.pk, yesno.pk]),
        {"action": "save", "kind": "oui_non", "theme": "locaux", "text": "Changé"},
    )
    assert response.status_code == 302
    assert list(draft.items.values_list("pk", "text", "position")) == before
    assert _add(client, q, text="Nouvelle").status_code == 302  # "créez d'abord une version"
    assert draft.items.count() == 5

    # A new version starts from the published one, keeps the codes; the campaign keeps v1.
    client.post(reverse("feedback:version_draft", args=[q.pk]))
    v2 = q.draft()
    assert v2 is not None and v2.number == 2
    assert list(v2.items.values_list("key", flat=True)) == list(
        draft.items.values_list("key", flat=True)
    )
    _add(client, q, text="Tuteur bien informé ?")
    assert client.post(reverse("feedback:publish", args=[q.pk])).status_code == 302
    assert q.current_version() == v2 and v2.items.count() == 6
    campaign.refresh_from_db()
    assert campaign.version == draft and draft.items.count() == 5

    verbs = set(JournalEntry.objects.filter(organisation=org_a).values_list("verb", flat=True))
    assert {
        "feedback.questionnaire_created",
        "feedback.item_added",
        "feedback.item_moved",
        "feedback.item_changed",
        "feedback.item_removed",
        "feedback.version_published",
        "feedback.version_drafted",
    } <= verbs


def test_bad_questions_are_refused_in_french_and_change_nothing(quality: User) -> None:
    client = login(quality)
    q = _new(client)
    draft = q.draft()
    count = JournalEntry.objects.count()
    response = _add(client, q, kind="choix_unique", text="Rythme", options="Seul choix")
    assert response.status_code == 400
    assert "au moins deux choix" in response.content.decode()
    response = _add(client, q, kind="echelle5", text="Note", options="Un\nDeux")
    assert "cinq libellés" in response.content.decode()
    assert draft.items.count() == 0
    # Publishing an empty version is refused.
    response = client.post(reverse("feedback:publish", args=[q.pk]), follow=True)
    assert "sans question ne peut pas être publiée" in response.content.decode()
    draft.refresh_from_db()
    assert draft.published_at is None
    assert JournalEntry.objects.count() == count
    # An edit that empties a choice item's options is refused too.
    _add(client, q, kind="choix_multiple", text="Supports", options="A\nB")
    item = Item.objects.get(version=draft)
    response = client.post(
        reverse("feedback:item_change", args=[q.pk, item.pk]),
        {"action": "save", "kind": "choix_multiple", "theme": "supports", "text": "Supports"},
    )
    assert response.status_code == 400 and "au moins deux choix" in response.content.decode()
    item.refresh_from_db()
    assert item.options == ["A", "B"]


def test_only_quality_and_direction_edit_and_only_their_own(
    org_a: Organisation, quality: User, officer: User, auditor: User, outsider: User
) -> None:
    q = _new(login(quality))
    for user in (officer, auditor):
        assert (
            login(user).get(reverse("feedback:questionnaire_edit", args=[q.pk])).status_code == 403
        )
        assert _add(login(user), q).status_code == 403
    assert (
        login(outsider).get(reverse("feedback:questionnaire_edit", args=[q.pk])).status_code == 404
    )
    assert _add(login(outsider), q).status_code == 404
    assert q.draft().items.count() == 0  # type: ignore[union-attr]


def test_a_draft_is_never_sent_by_the_worker(org_a: Organisation, quality: User) -> None:
    client = login(quality)
    response = client.post(
        reverse("feedback:questionnaire_new"),
        {
            "title": "Financeurs (nouveau)",
            "audience": "financeur",
            "moment": "annuel",
            "delay_days": "0",
            "anonymous": "on",
        },
    )
    assert response.status_code == 302
    draft_only = Questionnaire.objects.get(title="Financeurs (nouveau)")
    build_cohort(org_a, end=dt.date(2026, 6, 1), prefix="W")
    with time_machine.travel(at(dt.date(2027, 1, 15)), tick=False):
        launched = services.schedule_due(org_a, now=at(dt.date(2027, 1, 15)))
    assert [c.questionnaire.key for c in launched] == ["financeur"]
    assert not draft_only.campaigns.exists()
