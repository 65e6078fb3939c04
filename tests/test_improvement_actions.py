"""Proposing an improvement action: numbered per organisation, linked to its source
record, journaled; bad input changes nothing."""

import pytest
from django.core.exceptions import ValidationError

from parcours.core.models import JournalEntry
from parcours.improvement.models import Action, ActionState, Origin
from parcours.improvement.services.actions import propose_action


def test_propose_numbers_links_and_journals(world_a, world_b, director, quality):
    first = propose_action(
        world_a.org,
        acting_user=quality,
        origin=Origin.DROPOUT,
        title="Revoir l'entretien de positionnement",
        finding="Trois abandons pour orientation inadaptée.",
        source=world_a.programme,
        programme=world_a.programme,
        owner=quality,
    )
    second = propose_action(
        world_a.org, acting_user=director, origin=Origin.MANUAL, title="B", finding="C"
    )
    other = propose_action(
        world_b.org, acting_user=None, origin=Origin.MANUAL, title="X", finding="Y"
    )
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.reference == "A0001" and first.state == ActionState.PROPOSED
    assert first.source_type == "programmes.programme"
    assert first.source_id == str(world_a.programme.pk)
    assert first.source_label == str(world_a.programme)
    entry = JournalEntry.objects.get(verb="improvement.action_proposed", object_id=str(first.pk))
    assert entry.organisation_id == world_a.org.pk


def test_propose_refuses_bad_input(world_a, world_b, quality):
    with pytest.raises(ValidationError):
        propose_action(
            world_a.org, acting_user=quality, origin=Origin.MANUAL, title=" ", finding="x"
        )
    with pytest.raises(ValidationError):
        propose_action(
            world_a.org,
            acting_user=quality,
            origin=Origin.MANUAL,
            title="t",
            finding="f",
            source=world_b.programme,
        )
    assert not Action.objects.exists()
