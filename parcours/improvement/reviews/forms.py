"""Forms of the quality reviews: they parse; the services validate and write."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.core.models import Membership, Organisation
from parcours.improvement.reviews.models import ReviewKind
from parcours.improvement.risks.forms import STAFF_ROLES, TreatmentForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReviewForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Nature"), choices=ReviewKind.choices)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants (comptes de l'organisme)"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_participants = forms.CharField(
        label=_("Autres participants (un par ligne)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    minutes = forms.CharField(
        label=_("Compte rendu"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["participants"]
        field.queryset = Membership.objects.filter(
            organisation=organisation, role__in=STAFF_ROLES
        ).select_related("user")
        field.label_from_instance = lambda m: m.user.get_full_name() or m.user.email

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["participants"] = [m.user for m in data["participants"]]
        return data


class DecisionForm(TreatmentForm):
    """A decision of the review: the action it becomes."""

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, organisation=organisation, **kwargs)
        self.fields["title"].label = _("Décision (intitulé de l'action)")
        self.fields["finding"].help_text = ""
