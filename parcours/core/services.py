"""Writes to the core tables, and the generic create/update/delete that services use.

Every write runs inside `transaction.atomic` and appends its journal entry in the same
transaction: either both happen or neither does.
"""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from parcours.core import hooks, journal
from parcours.core.models import JournalAction, Membership, Organisation, Role, Site, User

M = TypeVar("M", bound=models.Model)


def _organisation_of(obj: models.Model) -> int | None:
    if isinstance(obj, Organisation):
        return obj.pk
    return getattr(obj, "organisation_id", None)


def _attname(obj: models.Model, name: str) -> str:
    field = obj._meta.get_field(name)
    assert isinstance(field, models.Field), name  # noqa: S101
    return field.attname


def check_same_organisation(obj: models.Model, m2m: dict[str, list[Any]] | None = None) -> None:
    """Every related object of a tenant's record belongs to the same tenant.

    Forms offer only the organisation's objects, but imports, the API and future
    callers go through the services too: the rule is enforced here, for all of them.
    """
    org_id = getattr(obj, "organisation_id", None)
    if org_id is None:
        return
    errors: dict[str, str] = {}
    for field in obj._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey) or field.name == "organisation":
            continue
        related_id = getattr(obj, field.attname)
        related_model = field.related_model
        if (
            related_id is None
            or isinstance(related_model, str)
            or not _is_tenant_model(related_model)
        ):
            continue
        if field.is_cached(obj):
            owner = getattr(obj, field.name).organisation_id
        else:
            owner = (
                related_model._default_manager.filter(pk=related_id)
                .values_list("organisation_id", flat=True)
                .first()
            )
        if owner != org_id:
            errors[field.name] = _("Choix inconnu dans cette organisation.")
    for name, items in (m2m or {}).items():
        if any(getattr(item, "organisation_id", org_id) != org_id for item in items):
            errors[name] = _("Choix inconnu dans cette organisation.")
    if errors:
        raise ValidationError(errors)


def _is_tenant_model(model: Any) -> bool:
    return any(f.name == "organisation" for f in model._meta.concrete_fields)


@transaction.atomic
def create_record(
    model: type[M],
    *,
    acting_user: User | None,
    verb: str = "",
    m2m: dict[str, list[Any]] | None = None,
    journal_label: str = "",
    **values: Any,
) -> M:
    obj = model(**values)
    check_same_organisation(obj, m2m)
    obj.full_clean()
    obj.save()
    after = journal.snapshot(obj)
    for name, items in (m2m or {}).items():
        getattr(obj, name).set(items)
        after[name] = sorted(item.pk if isinstance(item, models.Model) else item for item in items)
    journal.record(
        JournalAction.CREATE,
        obj,
        organisation=_organisation_of(obj),
        acting_user=acting_user,
        changes=journal.diff({}, after),
        verb=verb,
        label=journal_label,
    )
    return obj


@transaction.atomic
def update_record(
    obj: M,
    *,
    acting_user: User | None,
    verb: str = "",
    m2m: dict[str, list[Any]] | None = None,
    journal_label: str = "",
    **values: Any,
) -> M:
    """Set the given fields; save and journal only what actually changed."""
    fields = [_attname(obj, name) for name in values]
    before = journal.snapshot(obj, fields)
    for name, value in values.items():
        setattr(obj, name, value)
    check_same_organisation(obj, m2m)
    obj.full_clean()
    after = journal.snapshot(obj, fields)
    changes = journal.diff(before, after)
    for name, items in (m2m or {}).items():
        old = sorted(getattr(obj, name).values_list("pk", flat=True))
        new = sorted(item.pk if isinstance(item, models.Model) else item for item in items)
        if old != new:
            getattr(obj, name).set(items)
            changes[name] = [old, new]
    if not changes:
        return obj
    changed_fields = [f for f in fields if f in changes]
    if changed_fields:
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            changed_fields.append("updated_at")
        obj.save(update_fields=changed_fields)
    journal.record(
        JournalAction.UPDATE,
        obj,
        organisation=_organisation_of(obj),
        acting_user=acting_user,
        changes=changes,
        verb=verb,
        label=journal_label,
    )
    return obj


@transaction.atomic
def delete_record(obj: models.Model, *, acting_user: User | None, verb: str = "") -> None:
    before = journal.snapshot(obj)
    org = _organisation_of(obj)
    entry_draft = journal.draft_for(JournalAction.DELETE, obj, journal.diff(before, {}), verb)
    try:
        obj.delete()
    except models.ProtectedError as exc:
        raise ValidationError(
            "Impossible de supprimer « %(obj)s » : d'autres données y sont rattachées.",
            params={"obj": str(obj)},
        ) from exc
    journal.append([entry_draft], organisation=org, acting_user=acting_user)


def create_organisation(*, acting_user: User | None, **values: Any) -> Organisation:
    with transaction.atomic():
        org = create_record(Organisation, acting_user=acting_user, **values)
        # The organisation's own chain opens with its creation.
        journal.record_event(
            "organisation.opened", organisation=org, acting_user=acting_user, obj=org
        )
        # Its defaults (procedures, templates...), given by the apps that own them.
        hooks.organisation_created(org, acting_user)
    return org


def update_organisation(
    org: Organisation, *, acting_user: User | None, **values: Any
) -> Organisation:
    return update_record(org, acting_user=acting_user, **values)


def create_site(organisation: Organisation, *, acting_user: User | None, **values: Any) -> Site:
    return create_record(Site, organisation=organisation, acting_user=acting_user, **values)


@transaction.atomic
def create_member(
    organisation: Organisation,
    *,
    acting_user: User | None,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    expires_at: Any = None,
) -> Membership:
    """A new user account with its membership (role) in the organisation."""
    if role not in Role.values:
        raise ValidationError({"role": "Rôle inconnu : %(role)s"}, params={"role": role})
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Un compte existe déjà avec cette adresse e-mail."})
    user = User.objects.create_user(email, password, first_name=first_name, last_name=last_name)
    journal.record(
        JournalAction.CREATE,
        user,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff(
            {}, {"email": email, "first_name": first_name, "last_name": last_name}
        ),
    )
    return create_record(
        Membership,
        acting_user=acting_user,
        user=user,
        organisation=organisation,
        role=role,
        expires_at=expires_at,
    )
