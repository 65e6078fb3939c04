from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.models import Membership
from parcours.safeguarding.models import (
    MeasureKind,
    Place,
    ReporterRole,
    ReportKind,
    Status,
)
from parcours.safeguarding.services import ReportFacts

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("De quoi s'agit-il ?"), choices=ReportKind.choices)
    description = forms.CharField(
        label=_("Que s'est-il passé ?"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Décrivez les faits avec vos mots : ce qui a été dit ou fait, par qui."),
    )
    occurred_on = forms.DateField(
        label=_("Quand ? (date)"),
        required=False,
        widget=DATE,
        help_text=_("Si vous la connaissez."),
    )
    occurred_when = forms.CharField(
        label=_("Quand ? (précisions)"),
        required=False,
        max_length=200,
        help_text=_("Par exemple : « pendant la séance du matin », « depuis plusieurs semaines »."),
    )
    place = forms.ChoiceField(label=_("Où ?"), choices=Place.choices)
    people_involved = forms.CharField(
        label=_("Personnes impliquées"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Auteur(s) des faits, autres témoins : noms ou fonctions si vous les connaissez."
        ),
    )
    reporter_role = forms.ChoiceField(
        label=_("Vous êtes"), choices=ReporterRole.choices, widget=forms.RadioSelect
    )
    contact_name = forms.CharField(
        label=_("Votre nom (facultatif)"), required=False, max_length=200
    )
    contact_email = forms.EmailField(label=_("Votre e-mail (facultatif)"), required=False)
    contact_phone = forms.CharField(
        label=_("Votre téléphone (facultatif)"), required=False, max_length=30
    )
    # A honeypot: hidden from people, filled in by robots.
    website = forms.CharField(
        label=_("Ne pas remplir ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_occurred_on(self) -> Any:
        day = self.cleaned_data.get("occurred_on")
        if day and day > timezone.localdate():
            raise ValidationError(_("La date des faits ne peut pas être dans le futur."))
        return day

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def facts(self) -> ReportFacts:
        data = self.cleaned_data
        return ReportFacts(
            kind=data["kind"],
            description=data["description"],
            place=data["place"],
            reporter_role=data["reporter_role"],
            occurred_on=data["occurred_on"],
            occurred_when=data["occurred_when"],
            people_involved=data["people_involved"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
        )


class PortalReportForm(ReportForm):
    anonymous = forms.BooleanField(
        label=_("Signaler de façon anonyme"),
        required=False,
        help_text=_(
            "Coché, le signalement n'est pas rattaché à votre compte : les référents ne "
            "sauront pas qui l'a fait (sauf si vous indiquez vos coordonnées)."
        ),
    )
    field_order = [
        "kind",
        "description",
        "occurred_on",
        "occurred_when",
        "place",
        "people_involved",
        "reporter_role",
        "anonymous",
    ]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code de suivi"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class InformationForm(CodeForm):
    body = forms.CharField(
        label=_("Ajouter une information"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = forms.HiddenInput()


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de mesure"), choices=MeasureKind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    decided_on = forms.DateField(label=_("Décidée le"), widget=DATE)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note interne"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message à la personne qui a signalé"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Elle le lira avec son code de suivi."),
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user} ({obj.get_role_display()})"


class DesignateForm(forms.Form):
    member = MemberChoiceField(label=_("Membre de l'équipe"), queryset=Membership.objects.none())

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, MemberChoiceField)  # noqa: S101
        field.queryset = members


class ProcedureForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=250)
    body = forms.CharField(
        label=_("Texte"),
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=_(
            "Un paragraphe par bloc séparé d'une ligne vide ; « ## » en début de bloc pour "
            "un titre, « - » en début de ligne pour une liste."
        ),
    )
    change_note = forms.CharField(label=_("Nature des modifications"), max_length=300)
