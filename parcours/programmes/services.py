"""Writes to programmes, sessions, slots and trainers (each journaled in its transaction)."""

from collections.abc import Iterable
from typing import Any

from parcours.core.models import Organisation, User
from parcours.core.services import create_record, delete_record, update_record
from parcours.programmes.models import Programme, Session, Slot, Trainer


def create_programme(
    organisation: Organisation, *, acting_user: User | None, **values: Any
) -> Programme:
    return create_record(Programme, organisation=organisation, acting_user=acting_user, **values)


def update_programme(programme: Programme, *, acting_user: User | None, **values: Any) -> Programme:
    return update_record(programme, acting_user=acting_user, **values)


def create_trainer(
    organisation: Organisation, *, acting_user: User | None, **values: Any
) -> Trainer:
    return create_record(Trainer, organisation=organisation, acting_user=acting_user, **values)


def update_trainer(trainer: Trainer, *, acting_user: User | None, **values: Any) -> Trainer:
    return update_record(trainer, acting_user=acting_user, **values)


def create_session(
    organisation: Organisation,
    *,
    acting_user: User | None,
    trainers: Iterable[Trainer] = (),
    **values: Any,
) -> Session:
    return create_record(
        Session,
        organisation=organisation,
        acting_user=acting_user,
        m2m={"trainers": list(trainers)},
        **values,
    )


def update_session(
    session: Session,
    *,
    acting_user: User | None,
    trainers: Iterable[Trainer] | None = None,
    **values: Any,
) -> Session:
    m2m = None if trainers is None else {"trainers": list(trainers)}
    return update_record(session, acting_user=acting_user, m2m=m2m, **values)


def create_slot(session: Session, *, acting_user: User | None, **values: Any) -> Slot:
    return create_record(
        Slot,
        organisation_id=session.organisation_id,
        session=session,
        acting_user=acting_user,
        **values,
    )


def update_slot(slot: Slot, *, acting_user: User | None, **values: Any) -> Slot:
    return update_record(slot, acting_user=acting_user, **values)


def delete_slot(slot: Slot, *, acting_user: User | None) -> None:
    delete_record(slot, acting_user=acting_user)
