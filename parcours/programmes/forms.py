import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.core.crud import FilterForm, RecordForm, yes_no_filter
from parcours.programmes.models import Category, Modality, Programme, Session, Slot

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
ANY = [("", _("Toutes"))]


class ProgrammeFilters(FilterForm):
    category = forms.ChoiceField(
        label=_("Catégorie"), choices=ANY + Category.choices, required=False
    )
    modality = forms.ChoiceField(
        label=_("Modalité"), choices=ANY + Modality.choices, required=False
    )
    certifying = yes_no_filter(_("Certifiante"))
    active = yes_no_filter(_("Au catalogue"))


class SessionFilters(FilterForm):
    PERIODS = [
        ("", _("Toutes")),
        ("en_cours", _("En cours")),
        ("a_venir", _("À venir")),
        ("passees", _("Passées")),
    ]

    category = forms.ChoiceField(
        label=_("Catégorie"), choices=ANY + Category.choices, required=False
    )
    modality = forms.ChoiceField(
        label=_("Modalité"), choices=ANY + Modality.choices, required=False
    )
    programme = forms.ModelChoiceField(
        label=_("Formation"),
        queryset=Programme.objects.all(),
        required=False,
        empty_label=_("Toutes"),
    )
    period = forms.ChoiceField(label=_("Période"), choices=PERIODS, required=False)


class ProgrammeForm(RecordForm):
    unique_in_organisation = {"code": _("Une autre formation porte déjà ce code.")}

    class Meta:
        model = Programme
        fields = [
            "title",
            "code",
            "category",
            "modality",
            "duration_hours",
            "duration_days",
            "is_certifying",
            "certification_code",
            "description",
            "is_active",
        ]


class SessionForm(RecordForm):
    unique_in_organisation = {
        "external_id": _("Une autre session porte déjà cet identifiant externe.")
    }

    class Meta:
        model = Session
        fields = [
            "title",
            "programme",
            "external_id",
            "category",
            "modality",
            "start_date",
            "end_date",
            "duration_hours",
            "site",
            "trainers",
            "capacity",
        ]
        widgets = {"start_date": DATE, "end_date": DATE}
        help_texts = {"trainers": _("Ctrl (ou Cmd) + clic pour en choisir plusieurs.")}


class SlotForm(RecordForm):
    class Meta:
        model = Slot
        fields = ["starts_at", "ends_at", "trainer", "room", "label"]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # In UTC, as read from the database: the journal compares them as text, so an
        # unchanged time typed in Paris time would otherwise count as a change.
        for name in ("starts_at", "ends_at"):
            if cleaned.get(name):
                cleaned[name] = cleaned[name].astimezone(dt.UTC)
        return cleaned
