"""Forms of the improvement actions' pages (the services check the rules again)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.core.models import Membership, Organisation, Role
from parcours.feedback.complaints.models import Category
from parcours.followup.models import DropoutReason
from parcours.improvement import measures
from parcours.improvement.models import ActionKind, ActionState, Origin, Priority
from parcours.programmes.models import Programme


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.get_full_name() or obj.user.email)


def _staff(organisation: Organisation) -> Any:
    return Membership.objects.filter(
        organisation=organisation, role__in=[Role.DIRECTION, Role.QUALITE, Role.SUIVI]
    ).select_related("user")


class OrganisationForm(forms.Form):
    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            owner: Any = self.fields["owner"]
            owner.queryset = _staff(organisation)
        if "programme" in self.fields:
            programme: Any = self.fields["programme"]
            programme.queryset = Programme.objects.filter(organisation=organisation)


class ActionForm(OrganisationForm):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    origin = forms.ChoiceField(label=_("Origine"), choices=Origin.choices, initial=Origin.MANUAL)
    programme = forms.ModelChoiceField(
        label=_("Formation"), queryset=Programme.objects.none(), required=False
    )
    finding = forms.CharField(label=_("Constat"), widget=forms.Textarea(attrs={"rows": 3}))
    cause_analysis = forms.CharField(
        label=_("Analyse des causes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("Nature"), choices=ActionKind.choices)
    owner = StaffChoiceField(
        label=_("Responsable"), queryset=Membership.objects.none(), required=False
    )
    deadline = _date(_("Échéance"), required=False)
    priority = forms.ChoiceField(
        label=_("Priorité"), choices=Priority.choices, initial=Priority.NORMAL
    )


class EditActionForm(ActionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["origin"]
        del self.fields["programme"]


class FilterForm(OrganisationForm):
    state = forms.ChoiceField(
        label=_("État"), choices=[("", _("Tous")), *ActionState.choices], required=False
    )
    origin = forms.ChoiceField(
        label=_("Origine"), choices=[("", _("Toutes")), *Origin.choices], required=False
    )
    programme = forms.ModelChoiceField(
        label=_("Formation"), queryset=Programme.objects.none(), required=False
    )
    owner = StaffChoiceField(
        label=_("Responsable"), queryset=Membership.objects.none(), required=False
    )
    late = forms.BooleanField(label=_("En retard seulement"), required=False)


class ValidateForm(OrganisationForm):
    owner = StaffChoiceField(
        label=_("Responsable"), queryset=Membership.objects.none(), required=False
    )
    deadline = _date(_("Échéance"), required=False)


class DoneForm(forms.Form):
    done_note = forms.CharField(
        label=_("Ce qui a été fait"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AbandonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'abandon"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowForm(OrganisationForm):
    title = forms.CharField(label=_("Intitulé de la nouvelle action"), max_length=200)
    finding = forms.CharField(label=_("Constat"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = StaffChoiceField(
        label=_("Responsable"), queryset=Membership.objects.none(), required=False
    )
    deadline = _date(_("Échéance"), required=False)


class CheckForm(OrganisationForm):
    measure = forms.ChoiceField(label=_("Mesure"), choices=())
    programme = forms.ModelChoiceField(
        label=_("Formation"), queryset=Programme.objects.none(), required=False
    )
    item = forms.SlugField(label=_("Code de la question"), required=False, max_length=60)
    cause = forms.ChoiceField(
        label=_("Cause d'abandon"), choices=[("", "—"), *DropoutReason.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("Catégorie de réclamation"), choices=[("", "—"), *Category.choices], required=False
    )
    target = forms.FloatField(label=_("Cible"))
    action_date = _date(_("Date de l'action"))
    measure_on = _date(_("Date de mesure"))
    value_before = forms.FloatField(label=_("Valeur avant (mesure manuelle)"), required=False)
    evidence_note = forms.CharField(
        label=_("Preuve (mesure manuelle)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evidence_file = forms.FileField(label=_("Pièce (mesure manuelle)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["measure"]
        field.choices = measures.choices()

    def parameters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "programme": data["programme"].pk if data.get("programme") else None,
            "item": data.get("item") or None,
            "cause": data.get("cause") or None,
            "category": data.get("category") or None,
        }


class ManualResultForm(forms.Form):
    value_after = forms.FloatField(label=_("Valeur après"))
    evidence_note = forms.CharField(
        label=_("Preuve"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcceptForm(OrganisationForm):
    title = forms.CharField(label=_("Intitulé de l'action"), max_length=200)
    owner = StaffChoiceField(
        label=_("Responsable"), queryset=Membership.objects.none(), required=False
    )
    deadline = _date(_("Échéance"), required=False)


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi l'écarter"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AsOfForm(forms.Form):
    as_of = _date(_("Au"))


class PeriodForm(forms.Form):
    start = _date(_("Du"))
    end = _date(_("Au"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("La fin de la période précède son début."))
        return data
