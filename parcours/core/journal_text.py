"""How a journal entry reads to staff: one French sentence, and its details.

Core keeps only the mechanism. Each app registers the sentences of its own verbs in its
AppConfig.ready (`register({"messaging.sent": _("Courriel « %(subject)s » envoyé à
%(to)s")})`), so this module imports nothing above it. A sentence's placeholders are
`object` (the object's label), `type` (its kind, in French) and the entry's own data:
for a change, a field's new value. A placeholder the entry lacks reads as "…". Event
data that is no model field gets its French label from `register_labels`.

Details list each field with its French label (the model field's verbose_name) and its
value, before and after for a change; long values are cut.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.core.models import JournalAction, JournalEntry

MAX_VALUE = 120
SENTENCES: dict[str, Promise | str] = {}
LABELS: dict[str, Promise | str] = {}  # French labels of event data that are no model field

GENERIC: dict[str, Promise] = {
    JournalAction.CREATE: gettext_lazy("Création : %(type)s « %(object)s »"),
    JournalAction.UPDATE: gettext_lazy("Modification : %(type)s « %(object)s »"),
    JournalAction.DELETE: gettext_lazy("Suppression : %(type)s « %(object)s »"),
    JournalAction.EVENT: gettext_lazy("Événement sur « %(object)s »"),
}


def register(sentences: Mapping[str, Promise | str]) -> None:
    """Give verbs their French sentence (called from an app's AppConfig.ready)."""
    SENTENCES.update(sentences)


def register_labels(labels: Mapping[str, Promise | str]) -> None:
    """Give an event's data keys their French label (for keys that are no model field)."""
    LABELS.update(labels)


@dataclass(frozen=True)
class Detail:
    label: str
    before: str | None  # None for a value that is not a change
    after: str


@dataclass(frozen=True)
class Description:
    sentence: str
    details: list[Detail]


class _Context(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def short(value: Any, limit: int = MAX_VALUE) -> str:
    """A value as a person reads it, never longer than `limit` characters."""
    if value is None or value == "" or value == [] or value == {}:
        text = "—"
    elif isinstance(value, bool):
        text = _("oui") if value else _("non")
    elif isinstance(value, list | tuple):
        text = ", ".join(short(v, limit) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _capitalised(label: Any) -> str:
    text = str(label)
    return text[:1].upper() + text[1:]


def field_label(model: type[models.Model] | None, name: str) -> str:
    """A field's French label: its verbose_name (a relation left unnamed takes the
    name of the model it points to), else a label registered for event data."""
    field = _field(model, name)
    if field is not None:
        label = str(getattr(field, "verbose_name", "") or "")
        related = getattr(field, "related_model", None)
        if related is not None and label == field.name.replace("_", " "):
            label = str(related._meta.verbose_name)
        if label:
            return _capitalised(label)
    if name in LABELS:
        return _capitalised(LABELS[name])
    return name.replace("_", " ").capitalize()


def value_text(model: type[models.Model] | None, name: str, value: Any) -> str:
    """A value as read: a choice by its label, anything else shortened."""
    field = _field(model, name)
    choices = dict(getattr(field, "flatchoices", None) or []) if field is not None else {}
    if isinstance(value, str | int) and value in choices:
        return short(choices[value])
    return short(value)


def _is_change(entry: JournalEntry, value: Any) -> bool:
    return (
        entry.action in {JournalAction.CREATE, JournalAction.UPDATE, JournalAction.DELETE}
        and isinstance(value, list)
        and len(value) == 2
    )


def describe(entry: JournalEntry) -> Description:
    model = _model(entry.object_type)
    kind = str(model._meta.verbose_name) if model is not None else _("objet")
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    context = _Context(object=short(entry.object_repr), type=kind[:1].upper() + kind[1:])
    details = []
    for name, value in changes.items():
        label = field_label(model, name)
        if _is_change(entry, value):
            before, after = value
            shown = after if after not in (None, "") else before
            context.setdefault(name, value_text(model, name, shown))
            before_text = (
                None if entry.action == JournalAction.CREATE else value_text(model, name, before)
            )
            details.append(Detail(label, before_text, value_text(model, name, after)))
        else:
            context.setdefault(name, value_text(model, name, value))
            details.append(Detail(label, None, value_text(model, name, value)))
    template = SENTENCES.get(entry.verb) or GENERIC.get(entry.action) or GENERIC["event"]
    try:
        sentence = str(template) % context
    except (TypeError, ValueError):
        sentence = str(template)
    return Description(short(sentence, 300), details)
