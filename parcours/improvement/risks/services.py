"""Writes to the quality risk register, each in its transaction with its journal entry:
the starting set, a risk's creation and changes, its treatment actions (linked, unlinked,
or proposed through the improvement actions' own service), its archiving, and the
yearly review of the register."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import JournalAction, Membership, Organisation, User
from parcours.improvement.models import Action, ActionKind, Origin, Priority
from parcours.improvement.risks import defaults
from parcours.improvement.risks.models import Risk, RiskCategory, RiskReview
from parcours.improvement.services import actions as action_services

# The fields a person edits (the form's), in the order the journal lists them.
EDITABLE = (
    "title",
    "category",
    "description",
    "programme",
    "likelihood",
    "impact",
    "controls",
    "owner",
    "review_on",
    "residual_likelihood",
    "residual_impact",
)


def _check(organisation: Organisation, values: dict[str, Any]) -> None:
    if not str(values.get("title") or "").strip():
        raise ValidationError(_("Le risque doit avoir un intitulé."))
    if values.get("category") not in RiskCategory.values:
        raise ValidationError(_("Catégorie de risque inconnue."))
    for name in ("likelihood", "impact"):
        if values.get(name) not in (1, 2, 3, 4):
            raise ValidationError(_("La probabilité et l'impact se notent de 1 à 4."))
    residual = (values.get("residual_likelihood"), values.get("residual_impact"))
    if any(v not in (None, 1, 2, 3, 4) for v in residual):
        raise ValidationError(_("La probabilité et l'impact résiduels se notent de 1 à 4."))
    if (residual[0] is None) != (residual[1] is None):
        raise ValidationError(
            _("Le score résiduel demande la probabilité et l'impact résiduels, ou aucun des deux.")
        )
    programme = values.get("programme")
    if programme is not None and programme.organisation_id != organisation.pk:
        raise ValidationError(_("Choix inconnu dans cette organisation."))
    owner = values.get("owner")
    if (
        owner is not None
        and not Membership.objects.filter(user=owner, organisation=organisation).exists()
    ):
        raise ValidationError(_("Choix inconnu dans cette organisation."))


def _record(verb: str, risk: Risk, acting_user: User | None, **data: Any) -> None:
    journal.record_event(
        verb, organisation=risk.organisation_id, acting_user=acting_user, obj=risk, data=data
    )


# The starting set


def create_default_risks(organisation: Organisation, acting_user: User | None) -> list[Risk]:
    """The shipped training-quality risks, for an organisation that lacks them (by key)."""
    with transaction.atomic():
        existing = set(Risk.objects.filter(organisation=organisation).values_list("key", flat=True))
        created = []
        with translation.override("fr"):
            for spec in defaults.DEFAULT_RISKS:
                if spec.key in existing:
                    continue
                risk = Risk.objects.create(
                    organisation=organisation,
                    created_by=acting_user,
                    key=spec.key,
                    title=str(spec.title),
                    category=spec.category,
                    likelihood=spec.likelihood,
                    impact=spec.impact,
                    controls=str(spec.controls),
                )
                created.append(risk)
        journal.append(
            [
                journal.draft_for(
                    JournalAction.CREATE, r, journal.snapshot(r), verb="risks.default_created"
                )
                for r in created
            ],
            organisation=organisation,
            acting_user=acting_user,
        )
    return created


def organisation_created(organisation: Organisation, acting_user: User | None) -> None:
    create_default_risks(organisation, acting_user)


# A risk


@transaction.atomic
def create_risk(organisation: Organisation, *, acting_user: User, **values: Any) -> Risk:
    values = {name: values.get(name) for name in EDITABLE}
    _check(organisation, values)
    for name in ("description", "controls"):
        values[name] = values[name] or ""
    risk = Risk.objects.create(organisation=organisation, created_by=acting_user, **values)
    journal.record(
        JournalAction.CREATE,
        risk,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff({}, journal.snapshot(risk)),
        verb="risks.created",
    )
    return risk


@transaction.atomic
def update_risk(risk: Risk, *, acting_user: User, **values: Any) -> Risk:
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    merged = {name: values.get(name, getattr(risk, name)) for name in EDITABLE}
    _check(risk.organisation, merged)
    before = journal.snapshot(risk)
    for name, value in merged.items():
        if name in ("description", "controls"):
            value = value or ""
        setattr(risk, name, value)
    risk.save()
    changes = journal.diff(before, journal.snapshot(risk))
    if changes:
        journal.record(
            JournalAction.UPDATE,
            risk,
            organisation=risk.organisation_id,
            acting_user=acting_user,
            changes=changes,
            verb="risks.updated",
        )
    return risk


@transaction.atomic
def set_archived(risk: Risk, *, archived: bool, acting_user: User) -> Risk:
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if risk.archived != archived:
        risk.archived = archived
        risk.save(update_fields=["archived"])
        _record("risks.archived" if archived else "risks.restored", risk, acting_user)
    return risk


# Treatments


def _same_organisation(risk: Risk, action: Action) -> None:
    if action.organisation_id != risk.organisation_id:
        raise ValidationError(_("Choix inconnu dans cette organisation."))


@transaction.atomic
def link_treatment(risk: Risk, action: Action, *, acting_user: User) -> Risk:
    _same_organisation(risk, action)
    if risk.treatments.filter(pk=action.pk).exists():
        raise ValidationError(_("Cette action traite déjà ce risque."))
    risk.treatments.add(action)
    _record("risks.treatment_linked", risk, acting_user, action=str(action))
    return risk


@transaction.atomic
def unlink_treatment(risk: Risk, action: Action, *, acting_user: User) -> Risk:
    _same_organisation(risk, action)
    if not risk.treatments.filter(pk=action.pk).exists():
        raise ValidationError(_("Cette action ne traite pas ce risque."))
    risk.treatments.remove(action)
    _record("risks.treatment_unlinked", risk, acting_user, action=str(action))
    return risk


@transaction.atomic
def propose_treatment(
    risk: Risk,
    *,
    acting_user: User,
    title: str,
    finding: str = "",
    owner: User | None = None,
    deadline: dt.date | None = None,
    priority: str = Priority.NORMAL,
) -> Action:
    """A new improvement action (origin "risque", the risk as its source), linked to it."""
    action = action_services.propose_action(
        risk.organisation,
        acting_user=acting_user,
        origin=Origin.RISK,
        title=title,
        finding=finding
        or _("Risque « %(risk)s » : criticité %(score)s (%(level)s).")
        % {"risk": risk.title, "score": risk.criticality, "level": risk.get_level_display()},
        source=risk,
        programme=risk.programme,
        kind=ActionKind.PREVENTIVE,
        owner=owner,
        deadline=deadline,
        priority=priority,
    )
    link_treatment(risk, action, acting_user=acting_user)
    return action


# The yearly review


def a_year_after(day: dt.date) -> dt.date:
    """The same day a year later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def record_register_review(
    organisation: Organisation,
    *,
    acting_user: User,
    held_on: dt.date,
    note: str,
    risks: list[Risk],
) -> RiskReview:
    """The register reviewed: the review recorded, and each reviewed risk's next review
    set a year later."""
    if not note.strip():
        raise ValidationError(_("Indiquez les conclusions de la revue."))
    if not risks:
        raise ValidationError(_("Cochez au moins un risque revu."))
    if any(r.organisation_id != organisation.pk for r in risks):
        raise ValidationError(_("Choix inconnu dans cette organisation."))
    review = RiskReview.objects.create(
        organisation=organisation,
        created_by=acting_user,
        held_on=held_on,
        reviewer=acting_user,
        reviewer_label=acting_user.get_full_name() or acting_user.email,
        note=note.strip(),
    )
    review.risks.set(risks)
    Risk.objects.filter(pk__in=[r.pk for r in risks]).update(review_on=a_year_after(held_on))
    journal.record(
        JournalAction.CREATE,
        review,
        organisation=organisation,
        acting_user=acting_user,
        changes={
            "held_on": [None, held_on.isoformat()],
            "note": [None, review.note],
            "risques": [None, len(risks)],
        },
        verb="risks.register_reviewed",
    )
    return review
