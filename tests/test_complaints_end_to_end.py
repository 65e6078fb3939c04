"""The issue's must-show, end to end with the real worker and a real SMTP server: a
complaint arrives from the public form, the acknowledgement e-mail arrives, staff analyse
and answer it, the answer e-mail arrives and the entry closes; the journal holds every
step, and the tableau de suivi (XLSX read back) shows the dates and the on-time flag."""

import datetime as dt
import html
import io
import re
import zoneinfo

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from parcours.core.models import JournalEntry, Membership, Organisation, User
from parcours.feedback.complaints.models import Complaint, Status
from tests.conftest import login
from tests.smtp import smtp_server

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)


def worker(when: dt.datetime) -> None:
    with time_machine.travel(when, tick=True):
        for _ in range(3):
            call_command("worker", once=True, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_public_complaint_to_closing(org_a: Organisation, quality: User) -> None:
    public = Client()
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
        with time_machine.travel(MONDAY, tick=False):
            page = public.get(f"/reclamation/{org_a.slug}/")
            assert "pas fait pour signaler des violences" in html.unescape(page.content.decode())
            response = public.post(
                f"/reclamation/{org_a.slug}/",
                {
                    "kind": "reclamation",
                    "subject": "Attestation jamais reçue",
                    "description": "J'attends mon attestation de fin de formation depuis un mois.",
                    "category": "administratif",
                    "complainant": "apprenant",
                    "contact_name": "Lou Bernard",
                    "contact_email": "lou@exemple.fr",
                },
            )
            assert response.status_code == 200
            code = re.search(r"<code>([0-9A-Z-]{19})</code>", response.content.decode())
            assert code
        complaint = Complaint.objects.get(organisation=org_a)
        assert complaint.status == Status.RECEIVED
        assert complaint.acknowledge_due == dt.date(2026, 3, 4)
        assert complaint.answer_due == dt.date(2026, 3, 23)

        staff = login(quality)
        detail = reverse("feedback:complaints:detail", args=[complaint.pk])
        with time_machine.travel(MONDAY + dt.timedelta(hours=2), tick=False):
            staff.post(reverse("feedback:complaints:transition", args=[complaint.pk, "accuser"]))
        worker(MONDAY + dt.timedelta(hours=3))
        ack = [m for m in inbox.messages if m["To"] == "lou@exemple.fr"]
        assert len(ack) == 1
        assert str(complaint) in ack[0]["Subject"]
        assert "23/03/2026" in ack[0].get_body(preferencelist=("plain",)).get_content()

        owner = Membership.objects.get(user=quality)
        with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
            staff.post(
                reverse("feedback:complaints:transition", args=[complaint.pk, "analyser"]),
                {"owner": owner.pk, "cause": "Attestation bloquée à la signature."},
            )
        with time_machine.travel(MONDAY + dt.timedelta(days=3), tick=False):
            staff.post(
                reverse("feedback:complaints:transition", args=[complaint.pk, "repondre"]),
                {"text": "Votre attestation vous a été envoyée ce jour. Toutes nos excuses."},
            )
        worker(MONDAY + dt.timedelta(days=3, hours=1))
        answers = [m for m in inbox.messages if m["To"] == "lou@exemple.fr"]
        assert len(answers) == 2
        assert "Toutes nos excuses" in answers[1].get_body(preferencelist=("plain",)).get_content()
        with time_machine.travel(MONDAY + dt.timedelta(days=5), tick=False):
            closing = staff.post(
                reverse("feedback:complaints:transition", args=[complaint.pk, "clore"]),
                {"complainant_view": "Satisfaite de la réponse."},
            )
            assert closing.status_code == 302, closing.content.decode()[-3000:]
            assert "Satisfaite de la réponse." in html.unescape(staff.get(detail).content.decode())

        # The complainant follows it with the code.
        follow = public.post(reverse("feedback:complaints:follow_up"), {"code": code.group(1)})
        assert "Votre attestation vous a été envoyée" in html.unescape(follow.content.decode())

        complaint.refresh_from_db()
        assert complaint.status == Status.CLOSED
        verbs = list(
            JournalEntry.objects.filter(object_id=str(complaint.pk), verb__startswith="complaints.")
            .order_by("pk")
            .values_list("verb", flat=True)
        )
        assert verbs == [
            "complaints.received",
            "complaints.acknowledged",
            "complaints.analysing",
            "complaints.answered",
            "complaints.closed",
        ]

        with time_machine.travel(MONDAY + dt.timedelta(days=6), tick=False):
            xlsx = staff.get(reverse("feedback:complaints:table_xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        header, row = rows[0], rows[1]
        line = dict(zip(header, row, strict=True))
        assert line["N°"] == str(complaint)
        assert line["Reçue le"] == MONDAY.replace(tzinfo=None)
        assert line["Réponse attendue le"].date() == dt.date(2026, 3, 23)
        assert line["Répondue le"].date() == dt.date(2026, 3, 5)
        assert line["Réponse dans les délais"] == "oui"
        assert line["Identité"] == "Lou Bernard"
