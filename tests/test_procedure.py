"""The dropout-prevention procedure: the référent qualité writes a draft, direction
validates it (published, the previous version archived), and the PDF tells the auditor
which version is in force, who validated it, and its history."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from parcours.core.models import JournalEntry
from parcours.followup.models import (
    Action,
    FollowupCase,
    ProcedureVersion,
    TriggerKind,
    VersionStatus,
)
from parcours.followup.services import cases as case_services
from parcours.followup.services import procedure as procedure_services
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
DAY_1 = dt.datetime(2026, 9, 1, 10, tzinfo=PARIS)
DAY_2 = dt.datetime(2026, 9, 15, 16, tzinfo=PARIS)


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def step_rows(trigger) -> dict:
    """The formset data that keeps a trigger's steps as they are."""
    data = {}
    steps = list(trigger.steps.all())
    for i, step in enumerate(steps):
        data.update(
            {
                f"etapes-{i}-action": step.action,
                f"etapes-{i}-label": step.label,
                f"etapes-{i}-template_key": step.template_key,
                f"etapes-{i}-due_after_days": str(step.due_after_days),
                f"etapes-{i}-responsible_role": step.responsible_role,
                f"etapes-{i}-escalate_after_days": ""
                if step.escalate_after_days is None
                else str(step.escalate_after_days),
                f"etapes-{i}-escalate_to_role": step.escalate_to_role,
            }
        )
        if not step.mandatory:
            data[f"etapes-{i}-optional"] = "on"
    data["etapes-TOTAL_FORMS"] = str(len(steps) + 1)
    data["etapes-INITIAL_FORMS"] = str(len(steps))
    data["etapes-MIN_NUM_FORMS"] = "0"
    data["etapes-MAX_NUM_FORMS"] = "1000"
    return data


@pytest.fixture
def revised(world_a: World, quality, director, officer):
    """v1 (default) in force with one case opened under it; then v2 written and validated."""
    with time_machine.travel(DAY_1, tick=False):
        as_quality = login(quality)
        assert as_quality.get(reverse("followup:procedure")).status_code == 200
        v1 = ProcedureVersion.objects.get(organisation=world_a.org)
        assert v1.status == VersionStatus.PUBLISHED and v1.number == 1
        old_case = case_services.open_case(
            world_a.enrolment, trigger_kind=TriggerKind.MANUAL, acting_user=officer, reason="x"
        )

    with time_machine.travel(DAY_2, tick=False):
        as_quality = login(quality)
        response = as_quality.post(reverse("followup:draft_start"))
        draft = ProcedureVersion.objects.get(organisation=world_a.org, status=VersionStatus.DRAFT)
        assert response.status_code == 302 and response.url == draft.get_absolute_url()
        assert draft.number == 2 and draft.triggers.count() == v1.triggers.count()

        as_quality.post(
            reverse("followup:version_note", args=[draft.pk]),
            {"change_note": "Relance dès 2 absences consécutives ; ajout d'un bilan."},
        )
        absences = draft.triggers.get(kind=TriggerKind.ABSENCES)
        data = step_rows(absences)
        n = len(absences.steps.all())
        data.update(
            {
                "kind": TriggerKind.ABSENCES,
                "threshold": "2",
                f"etapes-{n}-action": Action.REVIEW,
                f"etapes-{n}-label": "Bilan intermédiaire avec le formateur référent",
                f"etapes-{n}-due_after_days": "14",
                f"etapes-{n}-responsible_role": "suivi",
            }
        )
        response = as_quality.post(reverse("followup:trigger_edit", args=[absences.pk]), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        absences.refresh_from_db()
        assert absences.threshold == 2
        assert [s.action for s in absences.steps.all()][-1] == Action.REVIEW

        response = login(director).post(reverse("followup:version_validate", args=[draft.pk]))
        assert response.status_code == 302
    v1.refresh_from_db()
    draft.refresh_from_db()
    old_case.refresh_from_db()
    return v1, draft, old_case


def test_quality_writes_a_draft_and_direction_validates_it(
    revised, world_a: World, director, quality
) -> None:
    v1, v2, old_case = revised

    assert v2.status == VersionStatus.PUBLISHED
    assert v2.validated_by == director and v2.validated_at == DAY_2
    assert v2.edited_by == quality
    assert v1.status == VersionStatus.ARCHIVED and v1.archived_at == DAY_2
    # The case opened under v1 keeps it (and the steps it planned).
    assert old_case.procedure_version == v1
    assert procedure_services.published_version(world_a.org) == v2
    case_services.close_case(
        old_case,
        acting_user=director,
        outcome="reengage",
        note="Revenu.",
        forced_reason="Revenu avant les étapes.",
    )
    new_case = case_services.open_case(
        world_a.enrolment, trigger_kind=TriggerKind.TUTOR_ALERT, acting_user=director
    )
    assert new_case.procedure_version == v2

    entries = JournalEntry.objects.filter(organisation=world_a.org)
    published = entries.get(verb="followup.procedure_published", object_id=str(v2.pk))
    assert published.actor == director and published.changes == {"number": 2, "archived": 1}
    assert entries.filter(verb="followup.procedure_archived", object_id=str(v1.pk)).exists()
    assert entries.filter(object_type="followup.trigger", actor=quality, action="update").exists()


def test_a_validated_version_can_no_longer_be_edited(revised, quality) -> None:
    _v1, v2, _case = revised
    trigger = v2.triggers.first()
    as_quality = login(quality)

    assert as_quality.get(reverse("followup:trigger_edit", args=[trigger.pk])).status_code == 404
    response = as_quality.post(reverse("followup:trigger_delete", args=[trigger.pk]), follow=True)
    assert "Seul un brouillon peut être modifié." in response.content.decode()
    assert v2.triggers.filter(pk=trigger.pk).exists()


def test_validation_needs_a_change_note(world_a: World, quality, director) -> None:
    procedure_services.ensure_default_procedure(world_a.org)
    draft = procedure_services.start_draft(world_a.org, acting_user=quality)

    response = login(director).post(
        reverse("followup:version_validate", args=[draft.pk]), follow=True
    )

    assert "Décrivez la nature des modifications" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_only_quality_edits_and_only_direction_validates(
    world_a: World, quality, director, officer, outsider
) -> None:
    procedure_services.ensure_default_procedure(world_a.org)
    as_officer, as_director, as_quality = login(officer), login(director), login(quality)

    assert as_officer.post(reverse("followup:draft_start")).status_code == 403
    assert as_director.post(reverse("followup:draft_start")).status_code == 403
    assert not ProcedureVersion.objects.filter(status=VersionStatus.DRAFT).exists()

    draft = procedure_services.start_draft(world_a.org, acting_user=quality)
    procedure_services.update_draft(draft, acting_user=quality, change_note="Révision annuelle")
    trigger = draft.triggers.first()
    validate = reverse("followup:version_validate", args=[draft.pk])
    assert as_officer.post(validate).status_code == 403
    assert as_quality.post(validate).status_code == 403
    assert as_officer.get(reverse("followup:trigger_edit", args=[trigger.pk])).status_code == 403
    assert as_officer.post(reverse("followup:trigger_delete", args=[trigger.pk])).status_code == 403

    as_outsider = login(outsider)  # direction of the other organisation
    assert as_outsider.post(validate).status_code == 404
    assert as_outsider.get(reverse("followup:version_detail", args=[draft.pk])).status_code == 404
    assert as_outsider.get(reverse("followup:version_pdf", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT and trigger.steps.exists()
    # The outsider's own procedure is their organisation's, not this one.
    response = as_outsider.get(reverse("followup:procedure"))
    assert response.status_code == 200
    assert "Révision annuelle" not in response.content.decode()


def test_the_procedure_pdf_names_its_version_its_validator_and_history(revised, as_officer) -> None:
    response = as_officer.get(reverse("followup:procedure_pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(text_of(response.content).split())
    assert "Forma Plus" in text
    assert "Version 2 (Publiée)" in text
    assert "Validée par Direction Test (Direction) le 15/09/2026" in text
    assert "2 absences consécutives non justifiées" in text
    assert "Bilan intermédiaire avec le formateur référent" in text
    assert "Historique des versions" in text
    assert "v1" in text and "v2" in text
    assert "Relance dès 2 absences consécutives" in text
    assert "Parcours (version par défaut)" in text  # v1's validator


def test_the_default_procedure_covers_every_trigger(world_a: World) -> None:
    procedure_services.ensure_default_procedure(world_a.org)
    procedure_services.ensure_default_procedure(world_a.org)  # idempotent

    version = ProcedureVersion.objects.get(organisation=world_a.org)
    assert version.status == VersionStatus.PUBLISHED
    assert version.validated_by_label == "Parcours (version par défaut)"
    assert {t.kind for t in version.triggers.all()} == set(TriggerKind.values)
    absences = version.triggers.get(kind=TriggerKind.ABSENCES)
    assert absences.threshold == 3
    assert [(s.action, s.due_after_days) for s in absences.steps.all()] == [
        (Action.EMAIL, 0),
        (Action.CALL, 2),
        (Action.TUTOR_CONTACT, 2),
        (Action.INTERVIEW, 7),
    ]
    assert not FollowupCase.objects.exists()


def test_the_editing_pages_render(world_a: World, quality, director) -> None:
    procedure_services.ensure_default_procedure(world_a.org)
    as_quality = login(quality)
    as_quality.post(reverse("followup:draft_start"))
    draft = ProcedureVersion.objects.get(status=VersionStatus.DRAFT)

    page = as_quality.get(draft.get_absolute_url()).content.decode()
    assert "Ajouter un déclencheur" in page and "Valider et publier" not in page
    trigger = draft.triggers.get(kind=TriggerKind.ABSENCES)
    page = as_quality.get(reverse("followup:trigger_edit", args=[trigger.pk])).content.decode()
    assert "relance_absences" in page and 'name="etapes-TOTAL_FORMS"' in page
    response = as_quality.post(
        reverse("followup:trigger_add", args=[draft.pk]),
        {"kind": TriggerKind.RISK, "risk_level": "moyen"},
    )
    added = draft.triggers.get(kind=TriggerKind.RISK, risk_level="moyen")
    assert response.url == reverse("followup:trigger_edit", args=[added.pk])

    page = login(director).get(draft.get_absolute_url()).content.decode()
    assert "Valider et publier" in page and "Ajouter un déclencheur" not in page
    procedure_page = as_quality.get(reverse("followup:procedure")).content.decode()
    assert "Reprendre le brouillon (v2)" in procedure_page
