"""Rules that the services enforce for every caller (forms, imports, API, commands)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from parcours.core.models import JournalEntry
from parcours.learners import services as learner_services
from parcours.programmes import services as programme_services
from tests.conftest import World


def test_a_record_never_points_at_another_organisations_objects(
    world_a: World, world_b: World, director
) -> None:
    trainer_b = programme_services.create_trainer(
        world_b.org, acting_user=None, last_name="Durand", first_name="Léa"
    )
    before = JournalEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        programme_services.update_session(
            world_a.session, acting_user=director, trainers=[trainer_b]
        )
    assert "trainers" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        learner_services.enrol(
            world_a.learner, world_b.session, acting_user=director, enrolled_on=dt.date(2026, 3, 1)
        )
    assert "session" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        programme_services.create_session(
            world_a.org,
            acting_user=director,
            programme=world_b.programme,
            title="Intruse",
            category="AF",
            modality="presentiel",
            start_date=dt.date(2026, 5, 1),
            end_date=dt.date(2026, 5, 2),
            duration_hours=Decimal(14),
        )
    assert "programme" in exc.value.message_dict
    assert JournalEntry.objects.count() == before
    assert not world_a.session.trainers.exists()


def test_duplicate_external_id_gets_a_french_message(world_a: World, director) -> None:
    with pytest.raises(ValidationError) as exc:
        learner_services.create_learner(
            world_a.org, acting_user=director, external_id="A-L1", last_name="Autre"
        )
    assert "Un apprenant porte déjà cet identifiant externe." in exc.value.messages


def test_the_same_value_written_differently_is_not_a_change(world_a: World, director) -> None:
    before = JournalEntry.objects.count()
    programme_services.update_programme(
        world_a.programme, acting_user=director, duration_hours=Decimal("70.00")
    )
    assert JournalEntry.objects.count() == before
