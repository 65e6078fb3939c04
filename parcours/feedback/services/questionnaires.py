"""Questionnaires: the shipped defaults, the organisation's settings."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import journal
from parcours.core.models import JournalAction, Organisation, User
from parcours.feedback import defaults
from parcours.feedback.models import FeedbackSettings, Item, Questionnaire, QuestionnaireVersion
from parcours.feedback.services.errors import Refused


@transaction.atomic
def organisation_created(organisation: Organisation, acting_user: User | None) -> None:
    """A new organisation starts with the shipped questionnaires and its settings."""
    ensure_defaults(organisation, acting_user=acting_user)


def ensure_defaults(organisation: Organisation, *, acting_user: User | None = None) -> None:
    """The organisation's copy of the shipped questionnaires and its settings, if missing."""
    FeedbackSettings.objects.get_or_create(
        organisation=organisation, defaults={"reminder_days": defaults.DEFAULT_REMINDER_DAYS}
    )
    existing = set(
        Questionnaire.objects.filter(organisation=organisation).values_list("key", flat=True)
    )
    for spec in defaults.defaults():
        if spec.key in existing:
            continue
        questionnaire = Questionnaire.objects.create(
            organisation=organisation,
            key=spec.key,
            title=spec.title,
            audience=spec.audience,
            moment=spec.moment,
            anonymous=spec.anonymous,
            delay_days=spec.delay_days,
        )
        version = QuestionnaireVersion.objects.create(
            questionnaire=questionnaire, number=1, intro=spec.intro, published_at=timezone.now()
        )
        Item.objects.bulk_create(
            Item(
                version=version,
                position=n,
                key=i.key,
                kind=i.kind,
                theme=i.theme,
                text=i.text,
                options=i.options,
                required=i.required,
                per_trainer=i.per_trainer,
            )
            for n, i in enumerate(spec.items, start=1)
        )
        journal.record(
            JournalAction.CREATE,
            questionnaire,
            organisation=organisation,
            acting_user=acting_user,
            changes=journal.diff({}, journal.snapshot(questionnaire)),
            verb="feedback.questionnaire_created",
        )


def settings_for(organisation: Organisation) -> FeedbackSettings:
    """The organisation's settings (the defaults, unsaved, until they are created)."""
    found = FeedbackSettings.objects.filter(organisation=organisation).first()
    return found or FeedbackSettings(
        organisation=organisation, reminder_days=list(defaults.DEFAULT_REMINDER_DAYS)
    )


@transaction.atomic
def update_settings(
    organisation: Organisation,
    *,
    acting_user: User | None,
    k_threshold: int,
    reminder_days: Sequence[int],
    link_days: int,
) -> FeedbackSettings:
    if k_threshold < 2:
        raise Refused(_("Le seuil d'anonymat doit être d'au moins 2 répondants."))
    if any(d < 1 for d in reminder_days) or list(reminder_days) != sorted(set(reminder_days)):
        raise Refused(_("Les relances sont des jours croissants, à partir de 1."))
    if not reminder_days or link_days <= max(reminder_days):
        raise Refused(_("Le lien doit rester valable après la dernière relance."))
    ensure_defaults(organisation, acting_user=acting_user)
    row = FeedbackSettings.objects.select_for_update().get(organisation=organisation)
    before = journal.snapshot(row)
    row.k_threshold, row.reminder_days, row.link_days = k_threshold, list(reminder_days), link_days
    row.save()
    journal.record(
        JournalAction.UPDATE,
        row,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff(before, journal.snapshot(row)),
        verb="feedback.settings",
    )
    return row
