"""Anonymity that holds: under k respondents no breakdown anywhere (page, filter, XLSX,
PDF, API), for the direction and the session's trainer alike; and nothing in the answer
tables, the journal or the logs joins an anonymous answer to a person, by keys,
timestamps or the order of arrival."""

import datetime as dt
import html
import io
import logging
import uuid
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from parcours.api.services import rotate_token
from parcours.core.models import JournalEntry, Organisation, User
from parcours.feedback.models import (
    AnonymousAnswer,
    AnonymousResponse,
    Campaign,
    EventKind,
    InvitationEvent,
    InvitationState,
)
from tests.conftest import login
from tests.feedback_support import at, build_cohort, launch, post_answers

END = dt.date(2026, 6, 26)
SCORES = [5, 4, 2, 5, 3, 4, 1, 5, 4, 5, 3, 2]


def answered_cohort(
    org: Organisation, n: int, *, prefix: str = "F", trainer_user: User | None = None
) -> Campaign:
    """A session of n learners, all of whom answer the à chaud questionnaire."""
    cohort = build_cohort(org, end=END, learners=n, prefix=prefix, trainer_user=trainer_user)
    campaign = launch(org, "apprenant-a-chaud", cohort.session, END)
    for i, invitation in enumerate(campaign.invitations.order_by("name")):
        with time_machine.travel(at(END + dt.timedelta(days=1), 9, i), tick=False):
            response = post_answers(
                Client(),
                invitation,
                {
                    "global": str(SCORES[i]),
                    "recommandation": str(10 - i % 11),
                    "commentaire": f"Commentaire numéro {i}",
                },
            )
            assert response.status_code == 200
    return campaign


def page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {rotate_token(user, acting_user=None).key}")
    return client


HIDDEN = "Moins de 5 répondants"


def test_four_respondents_show_no_breakdown_anywhere_for_direction_and_trainer(
    org_a: Organisation, director: User, officer: User
) -> None:
    campaign = answered_cohort(org_a, 4, trainer_user=officer)
    session = campaign.session
    assert session is not None
    with time_machine.travel(at(END + dt.timedelta(days=2)), tick=False):
        for user in (director, officer):  # the direction, and the trainer of the session
            client = login(user)
            for url in (
                reverse("feedback:campaign_detail", args=[campaign.pk]),
                reverse("feedback:session_results", args=[session.pk]),
                reverse("feedback:results") + f"?session={session.pk}",
                reverse("feedback:results"),
            ):
                text = page_text(client, url)
                assert HIDDEN in text, url
                assert "4 / 4" in text  # the response rate is not a breakdown
                assert "Commentaire numéro" not in text and "Très satisfait" not in text
                assert "feedback-item" not in text
            book = load_workbook(
                io.BytesIO(
                    client.get(reverse("feedback:results_xlsx") + f"?session={session.pk}").content
                )
            )
            assert book.sheetnames == ["Synthèse"]
            cells = [str(c) for row in book["Synthèse"].iter_rows(values_only=True) for c in row]
            assert any("Moins de 5 répondants" in c for c in cells)
            assert not any("Commentaire numéro" in c for c in cells)
            pdf = client.get(reverse("feedback:session_pdf", args=[session.pk]))
            text = " ".join(
                (p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf.content)).pages
            )
            assert "Moins de 5 répondants" in " ".join(text.split())
            assert "Commentaire" not in text and "Très satisfait" not in text
            api = api_for(user)
            for url in (
                f"/api/v1/feedback/campaigns/{campaign.pk}/results/",
                f"/api/v1/feedback/results/?session={session.pk}",
            ):
                body = api.get(url).json()
                assert body["respondents"] == 4 and body["breakdown"] is False
                assert body["items"] == [] and body["verbatims"] == []
                assert body["rate"]["answered"] == 4 and body["rate"]["asked"] == 4


def test_a_filter_that_narrows_a_group_below_k_hides_its_breakdown(
    org_a: Organisation, director: User
) -> None:
    four = answered_cohort(org_a, 4, prefix="F")
    answered_cohort(org_a, 2, prefix="G")
    client = login(director)
    with time_machine.travel(at(END + dt.timedelta(days=2)), tick=False):
        everything = page_text(client, reverse("feedback:results"))
        assert HIDDEN not in everything and "Commentaire numéro 3" in everything
        # (6 answers to "global": 5, 4, 2, 5 and 5, 4 → 5 of 6 give 4 or 5; NPS: 10, 9, 8, 7
        # and 10, 9 → 4 promoters, no detractor.)
        assert "satisfaction 83 %" in everything and "NPS 67" in everything
        narrowed = page_text(client, reverse("feedback:results") + f"?session={four.session_id}")
        assert HIDDEN in narrowed and "Commentaire numéro" not in narrowed
        body = api_for(director).get(f"/api/v1/feedback/results/?session={four.session_id}").json()
        assert body["breakdown"] is False and body["items"] == []
        assert api_for(director).get("/api/v1/feedback/results/").json()["breakdown"] is True
        # A bad filter value: a French message, never the unfiltered results.
        bad = api_for(director).get("/api/v1/feedback/results/?audience=pirate")
        assert bad.status_code == 400 and "Public inconnu." in str(bad.json())
        page = page_text(client, reverse("feedback:results") + "?session=999999")
        assert "Commentaire numéro" not in page


def test_the_k_threshold_is_the_organisations_setting(org_a: Organisation, quality: User) -> None:
    campaign = answered_cohort(org_a, 4)
    client = login(quality)
    with time_machine.travel(at(END + dt.timedelta(days=2)), tick=False):
        bad = client.post(
            reverse("feedback:settings"),
            {"k_threshold": "1", "reminder_days": "3, 7", "link_days": "30"},
        )
        assert bad.status_code == 200 and "supérieure ou égale à 2" in html.unescape(
            bad.content.decode()
        )
        ok = client.post(
            reverse("feedback:settings"),
            {"k_threshold": "3", "reminder_days": "3, 7", "link_days": "30"},
        )
        assert ok.status_code == 302
        text = page_text(client, reverse("feedback:campaign_detail", args=[campaign.pk]))
    assert "Moins de 3 répondants" not in text and "Commentaire numéro 0" in text


def _physical_order(table: str, column: str) -> list[Any]:
    order = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY {order}")  # noqa: S608 (constants)
        return [row[0] for row in cursor.fetchall()]


def test_nothing_joins_an_anonymous_answer_to_a_person(
    org_a: Organisation, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    campaign = answered_cohort(org_a, 12)
    invitations = list(campaign.invitations.order_by("name"))
    # The tables have no column that could point at a person, an invitation or a time.
    assert {f.name for f in AnonymousResponse._meta.concrete_fields} == {
        "id",
        "organisation",
        "campaign",
        "day",
        "sealed",
    }
    assert {f.name for f in AnonymousAnswer._meta.concrete_fields} == {
        "id",
        "response",
        "campaign",
        "item",
        "trainer",
        "number",
        "text",
    }
    assert set(AnonymousResponse.objects.values_list("day", flat=True)) == {
        END + dt.timedelta(days=1)
    }
    # The invitations know they were answered, and the day; opening and answering keep no time.
    assert all(i.state == InvitationState.ANSWERED for i in invitations)
    assert not InvitationEvent.objects.filter(
        kind__in=[EventKind.OPENED, EventKind.ANSWERED], at__isnull=False
    ).exists()
    # Order of arrival: answer n was "Commentaire numéro n"; neither the rows' physical order
    # nor their keys follow it (12 rows: the chance of keeping the order is 1 in 479,001,600).
    arrival = [f"Commentaire numéro {i}" for i in range(12)]
    comments = {a.response_id: a.text for a in AnonymousAnswer.objects.exclude(text="")}
    rows = [uuid.UUID(str(pk)) for pk in _physical_order("feedback_anonymousresponse", "id")]
    by_row = [comments[pk] for pk in rows if pk in comments]
    assert sorted(by_row) == sorted(arrival) and by_row != arrival
    by_key = [comments[pk] for pk in sorted(comments)]
    assert by_key != arrival
    texts = _physical_order("feedback_anonymousanswer", "text")
    assert [t for t in texts if t] != arrival
    # The journal: one entry per anonymous answer, on the campaign, naming nobody.
    answers = JournalEntry.objects.filter(verb="feedback.anonymous_answer")
    assert answers.count() == 12
    assert set(answers.values_list("object_type", "object_id")) == {
        ("feedback.campaign", str(campaign.pk))
    }
    ids = {str(pk) for pk in AnonymousResponse.objects.values_list("id", flat=True)}
    ids |= {str(pk) for pk in AnonymousAnswer.objects.values_list("id", flat=True)}
    people = {i.name for i in invitations} | {i.email for i in invitations}
    since = answers.order_by("seq").first()
    assert since is not None
    for entry in JournalEntry.objects.filter(chain=since.chain, seq__gte=since.seq):
        blob = f"{entry.object_id} {entry.object_repr} {entry.actor_label} {entry.changes}"
        assert entry.object_type not in {
            "feedback.invitation",
            "feedback.anonymousresponse",
            "feedback.anonymousanswer",
        }
        assert entry.object_id not in ids
        assert not any(p in blob for p in people), blob
        assert not any(pk in blob for pk in ids)
    # The logs: no token, no name, no answer id.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for invitation in invitations:
        assert invitation.token not in logged and invitation.name not in logged
    assert not any(pk in logged for pk in ids)


def test_batches_of_anonymous_answers_are_sealed_once_full(org_a: Organisation) -> None:
    answered_cohort(org_a, 12)
    assert set(AnonymousResponse.objects.values_list("sealed", flat=True)) == {False}
    from parcours.feedback import services

    assert services.BATCH == 20
