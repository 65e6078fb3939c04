from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.core.crud import limit_choices
from parcours.core.models import Membership, Organisation, Role
from parcours.feedback.complaints.models import (
    PROCEDURE_TEXT_HELP,
    Category,
    Complainant,
    EntryChannel,
    Kind,
    Severity,
    Status,
)
from parcours.feedback.complaints.services import ComplaintFacts
from parcours.learners.models import Enrolment
from parcours.programmes.models import Session


class ComplaintForm(forms.Form):
    """What the complainant tells us: the public form, the learner's space."""

    kind = forms.ChoiceField(label=_("Nature"), choices=Kind.choices, initial=Kind.RECLAMATION)
    subject = forms.CharField(label=_("Objet"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
    category = forms.ChoiceField(
        label=_("Catégorie"), choices=Category.choices, initial=Category.AUTRE
    )
    complainant = forms.ChoiceField(
        label=_("Vous êtes"), choices=Complainant.choices, initial=Complainant.LEARNER
    )
    contact_name = forms.CharField(
        label=_("Votre nom (facultatif)"), required=False, max_length=200
    )
    contact_email = forms.EmailField(
        label=_("Votre e-mail (facultatif)"),
        required=False,
        help_text=_("Pour recevoir l'accusé de réception et la réponse."),
    )
    attachment = forms.FileField(
        label=_("Pièce jointe (facultatif)"),
        required=False,
        help_text=_("PDF, JPEG ou PNG, 5 Mo au plus."),
    )
    # A honeypot: hidden from people, filled in by robots.
    website = forms.CharField(
        label=_("Ne pas remplir ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def facts(self, **extra: Any) -> ComplaintFacts:
        data = self.cleaned_data
        return ComplaintFacts(
            kind=data["kind"],
            subject=data["subject"],
            description=data["description"],
            category=data["category"],
            severity=data.get("severity") or Severity.MEDIUM,
            complainant=data["complainant"],
            contact_name=data.get("contact_name", ""),
            contact_email=data.get("contact_email", ""),
            **extra,
        )


class StaffComplaintForm(ComplaintForm):
    """Entered by staff: a phone call, a letter, an e-mail."""

    channel = forms.ChoiceField(
        label=_("Canal"),
        choices=[
            (EntryChannel.PHONE, EntryChannel.PHONE.label),
            (EntryChannel.LETTER, EntryChannel.LETTER.label),
            (EntryChannel.EMAIL, EntryChannel.EMAIL.label),
        ],
    )
    received_on = forms.DateField(
        label=_("Reçue le"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    severity = forms.ChoiceField(label=_("Gravité"), choices=Severity.choices)
    session = forms.ModelChoiceField(
        label=_("Session concernée"), queryset=Session.objects.all(), required=False
    )
    enrolment = forms.ModelChoiceField(
        label=_("Inscription concernée"),
        queryset=Enrolment.objects.select_related("learner", "session"),
        required=False,
    )

    field_order = ["channel", "received_on", "kind", "severity"]

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["contact_name"].label = _("Nom de l'émetteur")
        self.fields["contact_email"].label = _("E-mail de l'émetteur")
        limit_choices(self, organisation)


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("État"), choices=[("", _("Tous"))] + Status.choices, required=False
    )
    kind = forms.ChoiceField(
        label=_("Nature"), choices=[("", _("Toutes"))] + Kind.choices, required=False
    )
    category = forms.ChoiceField(
        label=_("Catégorie"), choices=[("", _("Toutes"))] + Category.choices, required=False
    )
    late = forms.BooleanField(label=_("En retard seulement"), required=False)

    def criteria(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: value for name, value in cleaned.items() if value not in (None, "", False)}


class AnalysisForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Responsable"), queryset=Membership.objects.none())
    cause = forms.CharField(
        label=_("Cause identifiée"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["owner"]
        field.queryset = Membership.objects.filter(
            organisation=organisation, role__in=[Role.DIRECTION, Role.QUALITE, Role.SUIVI]
        ).select_related("user")
        field.label_from_instance = lambda m: m.user.get_full_name() or m.user.email


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Réponse envoyée à l'émetteur"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class CloseForm(forms.Form):
    complainant_view = forms.CharField(
        label=_("Avis de l'émetteur sur la réponse (s'il est connu)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du classement sans suite"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequalifyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nouvelle nature"), choices=Kind.choices)
    reason = forms.CharField(
        label=_("Motif de la requalification"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code de suivi"), max_length=40)


class DeadlinesForm(forms.Form):
    acknowledge_days = forms.IntegerField(
        label=_("Délai d'accusé de réception (jours ouvrés)"), min_value=1, max_value=30
    )
    answer_days = forms.IntegerField(
        label=_("Délai de réponse (jours ouvrés)"), min_value=1, max_value=90
    )


class ImprovementForm(forms.Form):
    text = forms.CharField(
        label=_("Action d'amélioration à engager"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PeriodForm(forms.Form):
    """The statistics' period: entries received from `du` to `au` (both optional)."""

    du = forms.DateField(
        label=_("Reçues du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = forms.DateField(
        label=_("au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and start > end:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        return cleaned


class ProcedureForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=250)
    body = forms.CharField(
        label=_("Texte"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=PROCEDURE_TEXT_HELP,
    )
    change_note = forms.CharField(
        label=_("Nature des modifications"),
        max_length=300,
        required=False,
        help_text=_("Obligatoire pour la validation par la direction."),
    )
