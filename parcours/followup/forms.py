"""Forms of the follow-up pages; they validate input, the services write."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.core.access import STAFF
from parcours.core.models import Organisation, Role, User
from parcours.followup.models import (
    MANUAL_KINDS,
    Action,
    CaseStatus,
    Outcome,
    RiskLevel,
    TriggerKind,
)

STAFF_ROLES: list[tuple[str, Any]] = [(r.value, r.label) for r in Role if r in STAFF]
BLANK: list[tuple[str, Any]] = [("", "—")]


def staff_users(organisation: Organisation) -> Any:
    return User.objects.filter(
        membership__organisation=organisation, membership__role__in=list(STAFF), is_active=True
    ).order_by("last_name", "first_name", "pk")


class ChangeNoteForm(forms.Form):
    change_note = forms.CharField(
        label=_("Nature des modifications"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        help_text=_("Reprise dans l'historique des versions de la procédure."),
    )


class TriggerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Déclencheur"), choices=TriggerKind.choices)
    risk_level = forms.ChoiceField(
        label=_("Niveau de risque"), choices=BLANK + list(RiskLevel.choices), required=False
    )
    threshold = forms.IntegerField(
        label=_("Seuil"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=_("Nombre d'absences consécutives, ou nombre de jours sans activité."),
    )


class StepForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=BLANK + list(Action.choices))
    label = forms.CharField(label=_("Intitulé"), max_length=200, required=False)
    template_key = forms.CharField(
        label=_("Modèle de courriel"),
        max_length=60,
        required=False,
        help_text=_("relance_absences, relance_inactivite, relance_evaluation..."),
    )
    due_after_days = forms.IntegerField(
        label=_("Délai (J+)"), min_value=0, max_value=365, initial=0
    )
    responsible_role = forms.ChoiceField(
        label=_("Responsable"), choices=STAFF_ROLES, initial=Role.SUIVI
    )
    # Unchecked by default, so that an untouched blank row of the formset stays empty.
    optional = forms.BooleanField(label=_("Facultative"), required=False)
    apprentices_only = forms.BooleanField(label=_("Apprentis seulement"), required=False)
    escalate_after_days = forms.IntegerField(
        label=_("Escalade après (jours de retard)"), min_value=0, max_value=365, required=False
    )
    escalate_to_role = forms.ChoiceField(
        label=_("Escalade vers"), choices=BLANK + STAFF_ROLES, required=False
    )

    def step_values(self) -> dict[str, Any]:
        """The values a ProcedureStep takes (see services.save_trigger)."""
        values = {k: v for k, v in self.cleaned_data.items() if k not in {"DELETE", "optional"}}
        values["mandatory"] = not self.cleaned_data.get("optional")
        return values


StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True)


class CaseOpenForm(forms.Form):
    trigger_kind = forms.ChoiceField(
        label=_("Motif d'ouverture"),
        choices=[(k.value, k.label) for k in TriggerKind if k in MANUAL_KINDS],
    )
    reason = forms.CharField(
        label=_("Situation constatée"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StepDoneForm(forms.Form):
    note = forms.CharField(
        label=_("Compte rendu"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        help_text=_("Ce qui a été fait, avec qui, ce qui a été convenu."),
    )


class ReassignForm(forms.Form):
    assigned_to = forms.ModelChoiceField(label=_("Confier à"), queryset=User.objects.none())

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_to"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = staff_users(organisation)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Issue"), choices=BLANK + list(Outcome.choices))
    note = forms.CharField(
        label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    forced_reason = forms.CharField(
        label=_("Clore quand même : motif"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_(
            "Obligatoire si des étapes obligatoires restent à faire : elles seront annulées "
            "avec ce motif."
        ),
    )


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        choices=[("", _("Tous"))] + list(CaseStatus.choices),
        required=False,
    )
    assigned_to = forms.ModelChoiceField(
        label=_("Chargé du dossier"), queryset=User.objects.none(), required=False
    )

    def __init__(self, data: Any, *, organisation: Organisation) -> None:
        super().__init__(data)
        field = self.fields["assigned_to"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = staff_users(organisation)

    def criteria(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cleaned.items() if v not in (None, "")}
