"""The questionnaire editor: a questionnaire, its draft version, the draft's items,
publishing. A published version never changes: edits go to a new draft, copied from the
current version, and campaigns keep the version they froze.

Every refusal leaves everything as it was (the checks come before any write).
"""

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Max
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.core import journal
from parcours.core.models import JournalAction, Organisation, User
from parcours.feedback.models import (
    Audience,
    Item,
    ItemKind,
    Moment,
    Questionnaire,
    QuestionnaireVersion,
    Theme,
)
from parcours.feedback.services.errors import Refused

JOURNAL_TEXT = {
    "feedback.questionnaire_created": gettext_lazy("Questionnaire créé : %(object)s"),
    "feedback.version_drafted": gettext_lazy("Nouvelle version en préparation : %(object)s"),
    "feedback.version_intro": gettext_lazy("Introduction modifiée : %(object)s"),
    "feedback.item_added": gettext_lazy("Question ajoutée : %(object)s"),
    "feedback.item_changed": gettext_lazy("Question modifiée : %(object)s"),
    "feedback.item_removed": gettext_lazy("Question retirée : %(object)s"),
    "feedback.item_moved": gettext_lazy("Question déplacée : %(object)s"),
    "feedback.version_published": gettext_lazy("Version publiée : %(object)s"),
}
CHOICE_KINDS = (ItemKind.SINGLE, ItemKind.MULTIPLE)
MAX_OPTIONS = 20


def _unique_key(base: str, taken: set[str], limit: int = 60) -> str:
    base = slugify(base)[: limit - 4] or "q"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def create_questionnaire(
    organisation: Organisation,
    *,
    acting_user: User,
    title: str,
    audience: str,
    moment: str,
    anonymous: bool,
    delay_days: int = 0,
    intro: str = "",
) -> Questionnaire:
    """A new questionnaire, with an empty draft (version 1) to fill in."""
    title = title.strip()
    if not title:
        raise Refused(_("Donnez un intitulé au questionnaire."))
    if audience not in Audience.values or moment not in Moment.values:
        raise Refused(_("Public ou moment inconnu."))
    taken = set(
        Questionnaire.objects.filter(organisation=organisation).values_list("key", flat=True)
    )
    questionnaire = Questionnaire.objects.create(
        organisation=organisation,
        key=_unique_key(title, taken),
        title=title[:200],
        audience=audience,
        moment=moment,
        anonymous=anonymous,
        delay_days=max(0, delay_days),
    )
    QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1, intro=intro)
    journal.record(
        JournalAction.CREATE,
        questionnaire,
        organisation=organisation,
        acting_user=acting_user,
        changes=journal.diff({}, journal.snapshot(questionnaire)),
        verb="feedback.questionnaire_created",
    )
    return questionnaire


@transaction.atomic
def create_draft(questionnaire: Questionnaire, *, acting_user: User) -> QuestionnaireVersion:
    """A new draft, copied from the current published version (its items keep their codes,
    so that results compare across versions)."""
    Questionnaire.objects.select_for_update().filter(pk=questionnaire.pk).first()
    if questionnaire.draft() is not None:
        raise Refused(_("Une version en préparation existe déjà : modifiez-la."))
    current = questionnaire.current_version()
    last = questionnaire.versions.aggregate(n=Max("number"))["n"] or 0
    draft = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=last + 1, intro=current.intro if current else ""
    )
    if current is not None:
        Item.objects.bulk_create(
            Item(
                version=draft,
                position=i.position,
                key=i.key,
                kind=i.kind,
                theme=i.theme,
                text=i.text,
                options=list(i.options),
                required=i.required,
                per_trainer=i.per_trainer,
            )
            for i in current.items.all()
        )
    journal.record(
        JournalAction.CREATE,
        draft,
        organisation=questionnaire.organisation,
        acting_user=acting_user,
        changes={
            "number": [None, draft.number],
            "from": [None, current.number if current else None],
        },
        verb="feedback.version_drafted",
    )
    return draft


def _locked_draft(version: QuestionnaireVersion) -> QuestionnaireVersion:
    locked = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    if locked.published_at is not None:
        raise Refused(
            _("Cette version est publiée : elle ne change plus. Créez une nouvelle version.")
        )
    return locked


def _clean_item(kind: str, theme: str, text: str, options: Sequence[str]) -> tuple[str, list[str]]:
    """The question's text and options as stored, or Refused with the reason."""
    text = text.strip()
    options = [o.strip()[:200] for o in options if o and o.strip()]
    if kind not in ItemKind.values:
        raise Refused(_("Type de question inconnu."))
    if theme not in Theme.values:
        raise Refused(_("Thème inconnu."))
    if not text:
        raise Refused(_("Écrivez la question."))
    if len(text) > 300:
        raise Refused(_("La question dépasse 300 caractères."))
    if kind in CHOICE_KINDS:
        if len(options) < 2:
            raise Refused(_("Une question à choix demande au moins deux choix, un par ligne."))
        if len(options) > MAX_OPTIONS:
            raise Refused(_("Pas plus de %(n)s choix.") % {"n": MAX_OPTIONS})
        if len(set(options)) != len(options):
            raise Refused(_("Deux choix portent le même libellé."))
    elif kind == ItemKind.SCALE5:
        if options and len(options) != 5:
            raise Refused(_("Une échelle de 1 à 5 a cinq libellés (un par ligne), ou aucun."))
    else:
        options = []
    return text, options


def _item_snapshot(item: Item) -> dict[str, object]:
    return {
        "text": item.text,
        "kind": item.kind,
        "theme": item.theme,
        "options": list(item.options),
        "required": item.required,
        "per_trainer": item.per_trainer,
        "position": item.position,
    }


@transaction.atomic
def add_item(
    version: QuestionnaireVersion,
    *,
    acting_user: User,
    kind: str,
    theme: str,
    text: str,
    options: Sequence[str] = (),
    required: bool = False,
    per_trainer: bool = False,
) -> Item:
    version = _locked_draft(version)
    text, options = _clean_item(kind, theme, text, options)
    questionnaire = version.questionnaire
    taken = set(
        Item.objects.filter(version__questionnaire=questionnaire).values_list("key", flat=True)
    )
    last = version.items.aggregate(n=Max("position"))["n"] or 0
    item = Item.objects.create(
        version=version,
        position=last + 1,
        key=_unique_key(text, taken),
        kind=kind,
        theme=theme,
        text=text,
        options=options,
        required=required,
        per_trainer=per_trainer,
    )
    journal.record(
        JournalAction.CREATE,
        version,
        organisation=questionnaire.organisation,
        acting_user=acting_user,
        changes=journal.diff({}, _item_snapshot(item)),
        verb="feedback.item_added",
    )
    return item


@transaction.atomic
def update_item(
    item: Item,
    *,
    acting_user: User,
    kind: str,
    theme: str,
    text: str,
    options: Sequence[str] = (),
    required: bool = False,
    per_trainer: bool = False,
) -> Item:
    version = _locked_draft(item.version)
    text, options = _clean_item(kind, theme, text, options)
    item = Item.objects.get(pk=item.pk)
    before = _item_snapshot(item)
    item.kind, item.theme, item.text, item.options = kind, theme, text, options
    item.required, item.per_trainer = required, per_trainer
    item.save(update_fields=["kind", "theme", "text", "options", "required", "per_trainer"])
    journal.record(
        JournalAction.UPDATE,
        version,
        organisation=version.questionnaire.organisation,
        acting_user=acting_user,
        changes=journal.diff(before, _item_snapshot(item)),
        verb="feedback.item_changed",
    )
    return item


@transaction.atomic
def remove_item(item: Item, *, acting_user: User) -> None:
    version = _locked_draft(item.version)
    before = _item_snapshot(item)
    position = item.position
    item.delete()
    version.items.filter(position__gt=position).update(position=F("position") - 1)
    journal.record(
        JournalAction.DELETE,
        version,
        organisation=version.questionnaire.organisation,
        acting_user=acting_user,
        changes=journal.diff(before, {}),
        verb="feedback.item_removed",
    )


@transaction.atomic
def move_item(item: Item, *, acting_user: User, up: bool) -> None:
    """Swap the question with the one above (or below); at the edge nothing moves."""
    version = _locked_draft(item.version)
    items = list(version.items.order_by("position", "pk"))
    index = next(n for n, i in enumerate(items) if i.pk == item.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for n, i in enumerate(items, start=1):
        if i.position != n:
            i.position = n
            i.save(update_fields=["position"])
    journal.record(
        JournalAction.UPDATE,
        version,
        organisation=version.questionnaire.organisation,
        acting_user=acting_user,
        changes={"position": [index + 1, other + 1], "question": [None, item.text]},
        verb="feedback.item_moved",
    )


@transaction.atomic
def update_intro(version: QuestionnaireVersion, *, acting_user: User, intro: str) -> None:
    version = _locked_draft(version)
    before = version.intro
    version.intro = intro.strip()[:2000]
    version.save(update_fields=["intro"])
    journal.record(
        JournalAction.UPDATE,
        version,
        organisation=version.questionnaire.organisation,
        acting_user=acting_user,
        changes={"intro": [before, version.intro]},
        verb="feedback.version_intro",
    )


@transaction.atomic
def publish_version(
    version: QuestionnaireVersion, *, acting_user: User, now: dt.datetime
) -> QuestionnaireVersion:
    """Publish the draft: from now on campaigns send it, and it never changes."""
    version = _locked_draft(version)
    items = list(version.items.all())
    if not items:
        raise Refused(_("Une version sans question ne peut pas être publiée."))
    for item in items:
        _clean_item(item.kind, item.theme, item.text, item.options)
    version.published_at = now
    version.save(update_fields=["published_at"])
    journal.record(
        JournalAction.UPDATE,
        version,
        organisation=version.questionnaire.organisation,
        acting_user=acting_user,
        changes={"published_at": [None, now], "questions": [None, len(items)]},
        verb="feedback.version_published",
    )
    return version
