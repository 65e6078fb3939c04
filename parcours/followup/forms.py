"""Forms of the follow-up pages; they validate input, the services write."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.core.access import STAFF
from parcours.core.models import Organisation, Role, User
from parcours.followup.models import (
    MANUAL_KINDS,
    Action,
    CallOutcome,
    CaseStatus,
    CompanyAttendance,
    DropoutReason,
    MeasureKind,
    MeetingKind,
    Outcome,
    Rating,
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


# Interactions


def _datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _date_field(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _text(label: Any, required: bool = True, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class CallForm(forms.Form):
    called_at = _datetime_field(_("Date et heure de l'appel"))
    duration_minutes = forms.IntegerField(
        label=_("Durée (minutes)"), min_value=0, max_value=600, initial=5
    )
    outcome = forms.ChoiceField(label=_("Résultat"), choices=CallOutcome.choices)
    summary = _text(_("Résumé de l'échange"), required=False)
    completes_step = forms.BooleanField(
        label=_("Cet appel réalise l'étape d'appel prévue au dossier"), required=False
    )


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de rendez-vous"), choices=MeetingKind.choices)
    starts_at = _datetime_field(_("Date et heure"))
    duration_minutes = forms.IntegerField(
        label=_("Durée (minutes)"), min_value=5, max_value=600, initial=60
    )
    place = forms.CharField(label=_("Lieu ou lien de visioconférence"), max_length=300)
    staff = forms.ModelMultipleChoiceField(
        label=_("Membres de l'équipe présents"),
        queryset=User.objects.none(),
        help_text=_(
            "L'apprenant est toujours invité ; le tuteur aussi pour une visite en entreprise "
            "ou une réunion tripartite."
        ),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101
        field.queryset = staff_users(organisation)


class RescheduleForm(forms.Form):
    starts_at = _datetime_field(_("Nouvelle date et heure"))
    duration_minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=5, max_value=600)
    place = forms.CharField(label=_("Lieu ou lien"), max_length=300)


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(label=_("Motif de l'annulation"), max_length=300)


class ReportForm(forms.Form):
    report = _text(
        _("Compte rendu"),
        rows=6,
        help_text=_("Ce qui a été abordé, la situation de l'apprenant, ce qui a été convenu."),
    )


class ReviewForm(forms.Form):
    progress = _text(_("Progression au regard des objectifs"))
    difficulties_pedagogical = _text(_("Difficultés pédagogiques"), required=False, rows=2)
    difficulties_personal = _text(_("Difficultés personnelles"), required=False, rows=2)
    difficulties_professional = _text(_("Difficultés professionnelles"), required=False, rows=2)
    learner_view = _text(_("Point de vue de l'apprenant"))
    trainer_view = _text(_("Point de vue du formateur"))
    agreed_actions = _text(_("Actions convenues"))
    next_review_on = _date_field(_("Date du prochain bilan"), required=False)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Mesure"), choices=MeasureKind.choices)
    on = _date_field(_("Date"))
    body = forms.CharField(
        label=_("Organisme"),
        max_length=200,
        required=False,
        help_text=_("Chambre consulaire, France Travail, mission locale, employeur..."),
    )
    note = _text(_("Note"), required=False, rows=2)
    outcome = _text(_("Résultat"), required=False, rows=2)


# The tutor's liaison sheet


class LiaisonSheetForm(forms.Form):
    company_attendance = forms.ChoiceField(
        label=_("Assiduité et ponctualité en entreprise"),
        choices=CompanyAttendance.choices,
        widget=forms.RadioSelect,
    )
    attitude = forms.ChoiceField(
        label=_("Savoir-être (attitude, intégration dans l'équipe)"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
    )
    skills_progress = _text(_("Progression dans les compétences attendues"))
    difficulties = _text(_("Difficultés rencontrées"), required=False)
    alert = forms.BooleanField(
        label=_("Je souhaite être contacté(e) / la situation est préoccupante"), required=False
    )
    comments = _text(_("Commentaires"), required=False)


# Dropouts


class DropoutForm(forms.Form):
    on = _date_field(_("Date de l'abandon"))
    reason = forms.ChoiceField(label=_("Motif"), choices=BLANK + list(DropoutReason.choices))
    detail = _text(_("Précisions"), required=False)
    actions_before = _text(
        _("Actions menées avant l'abandon"),
        required=False,
        rows=6,
        help_text=_("Reprises du suivi ; complétez ou corrigez si besoin."),
    )
    exit_interview_on = _date_field(_("Entretien de sortie le"), required=False)
    exit_interview_summary = _text(_("Synthèse de l'entretien de sortie"), required=False)


class StatsFilterForm(forms.Form):
    start = _date_field(_("Du"), required=False)
    end = _date_field(_("Au"), required=False)
    period = forms.ChoiceField(
        label=_("Période"),
        choices=[("mois", _("Par mois")), ("trimestre", _("Par trimestre"))],
        required=False,
    )
