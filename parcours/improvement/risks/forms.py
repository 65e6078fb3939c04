"""Forms of the risk register: they parse; the services validate and write."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.core.crud import RecordForm
from parcours.core.models import Membership, Organisation, Role
from parcours.improvement.models import Action, ActionState
from parcours.improvement.risks.models import Risk

SCORES = [(n, str(n)) for n in (1, 2, 3, 4)]
STAFF_ROLES = [Role.DIRECTION, Role.QUALITE, Role.SUIVI]


def staff_choice(organisation: Organisation, *, required: bool = False) -> forms.ModelChoiceField:
    field: Any = forms.ModelChoiceField(
        label=_("Responsable"),
        queryset=Membership.objects.filter(
            organisation=organisation, role__in=STAFF_ROLES
        ).select_related("user"),
        required=required,
    )
    field.label_from_instance = lambda m: m.user.get_full_name() or m.user.email
    return field


class RiskForm(RecordForm):
    likelihood = forms.TypedChoiceField(label=_("Probabilité (1 à 4)"), choices=SCORES, coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact (1 à 4)"), choices=SCORES, coerce=int)
    residual_likelihood = forms.TypedChoiceField(
        label=_("Probabilité résiduelle (1 à 4)"),
        choices=[("", "—"), *SCORES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    residual_impact = forms.TypedChoiceField(
        label=_("Impact résiduel (1 à 4)"),
        choices=[("", "—"), *SCORES],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Risk
        fields = [
            "title",
            "category",
            "description",
            "programme",
            "likelihood",
            "impact",
            "controls",
            "review_on",
            "residual_likelihood",
            "residual_impact",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "controls": forms.Textarea(attrs={"rows": 3}),
            "review_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, organisation=organisation, **kwargs)
        self.fields["owner_membership"] = staff_choice(organisation)
        owner = self.instance.owner if self.instance.pk else None
        if owner is not None:
            self.initial["owner_membership"] = Membership.objects.filter(user=owner).first()

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        membership = data.pop("owner_membership", None)
        data["owner"] = membership.user if membership else None
        return data


class LinkForm(forms.Form):
    action = forms.ModelChoiceField(label=_("Action existante"), queryset=Action.objects.none())

    def __init__(self, *args: Any, organisation: Organisation, risk: Risk, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["action"]
        field.queryset = (
            Action.objects.filter(organisation=organisation)
            .exclude(state=ActionState.ABANDONED)
            .exclude(pk__in=risk.treatments.values("pk"))
        )


class TreatmentForm(forms.Form):
    title = forms.CharField(label=_("Intitulé de l'action"), max_length=200)
    finding = forms.CharField(
        label=_("Constat"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Laissé vide : le risque et sa criticité."),
    )
    deadline = forms.DateField(
        label=_("Échéance"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = staff_choice(organisation)

    def action_values(self) -> dict[str, Any]:
        """What the actions' service takes: the owner as a user."""
        data = self.cleaned_data
        owner = data.get("owner")
        return {
            "title": data["title"],
            "finding": data["finding"],
            "owner": owner.user if owner else None,
            "deadline": data.get("deadline"),
        }


class RegisterReviewForm(forms.Form):
    held_on = forms.DateField(
        label=_("Revue du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("Conclusions"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    risks = forms.ModelMultipleChoiceField(
        label=_("Risques revus"),
        queryset=Risk.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["risks"]
        field.queryset = Risk.objects.filter(organisation=organisation, archived=False)
