"""The demo's complaints register: each kind at different states, one answered late, one
survey comment re-qualified; its register page and tableau de suivi read them."""

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from parcours.core.models import JournalEntry, Membership, Role
from parcours.demo.builder import build_demo
from parcours.feedback.complaints.models import (
    Complaint,
    ComplaintProcedure,
    EntryChannel,
    Kind,
    Status,
)

TODAY = dt.date(2026, 5, 20)


@pytest.mark.django_db
def test_the_demo_register() -> None:
    with time_machine.travel(dt.datetime(2026, 5, 20, 8, tzinfo=dt.UTC), tick=False):
        org = build_demo(learners=4, seed=4, today=TODAY).organisation
        entries = Complaint.objects.filter(organisation=org)
        assert {c.kind for c in entries} == set(Kind.values)
        assert {c.status for c in entries} >= {
            Status.RECEIVED,
            Status.ACKNOWLEDGED,
            Status.ANALYSING,
            Status.ANSWERED,
            Status.CLOSED,
            Status.DISMISSED,
        }
        late = [c for c in entries if c.answered_on_time is False]
        assert len(late) == 1
        survey = entries.get(channel=EntryChannel.SURVEY)
        assert survey.kind == Kind.DIFFICULTE
        assert JournalEntry.objects.filter(
            verb="complaints.requalified", object_id=str(survey.pk)
        ).exists()

        quality = Membership.objects.get(organisation=org, role=Role.QUALITE).user
        client = Client()
        client.force_login(quality)
        page = client.get(reverse("feedback:complaints:register"))
        assert page.status_code == 200
        assert "Réponses dans les délais" in page.content.decode()
        xlsx = client.get(reverse("feedback:complaints:table_xlsx"))
        rows = list(
            openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
        )
        on_time = [
            dict(zip(rows[0], row, strict=True))["Réponse dans les délais"] for row in rows[1:]
        ]
        assert sorted(v for v in on_time if v) == ["non", "oui", "oui"]
        # The procedure in force: the shipped text adapted by the référent qualité (v2),
        # validated by the direction; v1 archived.
        versions = {v.number: v for v in ComplaintProcedure.objects.filter(organisation=org)}
        assert [versions[n].status for n in sorted(versions)] == ["archivee", "publiee"]
        director = Membership.objects.get(organisation=org, role=Role.DIRECTION).user
        assert versions[2].validated_by == director and versions[2].edited_by == quality
        procedure = client.get(
            reverse("feedback:complaints:public_procedure", args=[org.slug])
        ).content.decode()
        assert "Référent réclamations" in procedure
