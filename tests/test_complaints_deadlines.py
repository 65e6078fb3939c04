"""Deadlines in business days, frozen at reception; overdue entries escalate once."""

import datetime as dt
import io
import zoneinfo
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.core.management import call_command

from parcours.core.models import JournalEntry, Organisation, User
from parcours.feedback.complaints import services
from parcours.feedback.complaints.models import Complaint, Kind
from parcours.messaging.models import Message

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Friday 10 July 2026; Tuesday 14 July is a public holiday (fête nationale).
FRIDAY = dt.datetime(2026, 7, 10, 10, 0, tzinfo=PARIS)


def facts(**extra: object) -> services.ComplaintFacts:
    values: dict[str, object] = {
        "kind": Kind.RECLAMATION,
        "subject": "Salle trop petite",
        "description": "Nous étions 14 dans une salle prévue pour 8.",
        "category": "logistique",
        "severity": "moyenne",
        "complainant": "apprenant",
        "contact_email": "plaignant@exemple.fr",
    }
    values.update(extra)
    return services.ComplaintFacts(**values)  # type: ignore[arg-type]


def receive(org: Organisation, when: dt.datetime) -> Complaint:
    with time_machine.travel(when, tick=False):
        complaint, _code = services.receive(org, facts(), channel="formulaire")
    return complaint


@pytest.mark.django_db
def test_friday_before_a_public_holiday(org_a: Organisation) -> None:
    complaint = receive(org_a, FRIDAY)
    # Mon 13 = 1st business day, Tue 14 July is a holiday, Wed 15 = 2nd.
    assert complaint.acknowledge_due == dt.date(2026, 7, 15)
    # 15 business days: 13, 15, 16, 17, 20-24 (9), 27-31 (14), Mon 3 August (15).
    assert complaint.answer_due == dt.date(2026, 8, 3)


@pytest.mark.django_db
def test_changing_the_setting_leaves_existing_deadlines(
    org_a: Organisation, director: User
) -> None:
    before = receive(org_a, FRIDAY)
    services.update_settings(org_a, acknowledge_days=1, answer_days=5, acting_user=director)
    after = receive(org_a, FRIDAY)
    before.refresh_from_db()
    assert (before.acknowledge_due, before.answer_due) == (
        dt.date(2026, 7, 15),
        dt.date(2026, 8, 3),
    )
    assert (after.acknowledge_due, after.answer_due) == (dt.date(2026, 7, 13), dt.date(2026, 7, 20))


@pytest.mark.django_db
def test_an_overdue_entry_escalates_once(org_a: Organisation, director: User) -> None:
    late = receive(org_a, FRIDAY)
    on_time = receive(org_a, FRIDAY + dt.timedelta(days=5))
    with time_machine.travel(FRIDAY, tick=False):
        services.acknowledge(on_time, acting_user=director)
    first = services.flag_overdue(org_a, as_of=dt.datetime(2026, 7, 16, 8, tzinfo=PARIS))
    again = services.flag_overdue(org_a, as_of=dt.datetime(2026, 7, 17, 8, tzinfo=PARIS))
    assert [c.pk for c in first] == [late.pk]
    assert again == []
    escalations = Message.objects.filter(to=director.email, subject__contains="en retard")
    assert escalations.count() == 1
    assert JournalEntry.objects.filter(verb="complaints.escalated").count() == 1


@pytest.mark.django_db
def test_the_table_from_the_command_line(
    org_a: Organisation, director: User, tmp_path: Path
) -> None:
    complaint = receive(org_a, FRIDAY)
    with time_machine.travel(FRIDAY + dt.timedelta(days=1), tick=False):
        services.acknowledge(complaint, acting_user=director)
    output = tmp_path / "suivi.xlsx"
    out = io.StringIO()
    call_command("complaints", "table", "--output", str(output), stdout=out)
    assert "1 entrée(s)" in out.getvalue()
    rows = list(openpyxl.load_workbook(output).active.iter_rows(values_only=True))
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["Accusé attendu le"].date() == dt.date(2026, 7, 15)
    assert line["Accusée le"].date() == dt.date(2026, 7, 11)
    assert line["Accusé dans les délais"] == "oui"
    assert line["Réponse dans les délais"] is None
