from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.access import STAFF
from parcours.core.crud import FilterForm, RecordForm, yes_no_filter
from parcours.core.models import Organisation, User
from parcours.learners.models import (
    Enrolment,
    EnrolmentStatus,
    Learner,
    MeasureKind,
    NeedCategory,
    Tutor,
)
from parcours.programmes.models import Programme, Session

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ANY_STATUS = [("", _("Tous")), *EnrolmentStatus.choices]


def _session_filter() -> "forms.ModelChoiceField[Session]":
    return forms.ModelChoiceField(
        label=_("Session"), queryset=Session.objects.all(), required=False, empty_label=_("Toutes")
    )


class LearnerFilters(FilterForm):
    disability = yes_no_filter(_("Situation de handicap"))
    session = _session_filter()
    status = forms.ChoiceField(label=_("Statut d'inscription"), choices=ANY_STATUS, required=False)


class EnrolmentFilters(FilterForm):
    status = forms.ChoiceField(label=_("Statut"), choices=ANY_STATUS, required=False)
    session = _session_filter()
    programme = forms.ModelChoiceField(
        label=_("Formation"),
        queryset=Programme.objects.all(),
        required=False,
        empty_label=_("Toutes"),
    )
    active_on = forms.DateField(label=_("Active le"), required=False, widget=DATE)


class LearnerForm(RecordForm):
    unique_in_organisation = {
        "external_id": _("Un autre apprenant porte déjà cet identifiant externe.")
    }

    class Meta:
        model = Learner
        fields = [
            "last_name",
            "first_name",
            "external_id",
            "email",
            "phone",
            "birth_date",
            "disability",
            "employer",
            "notes",
        ]
        widgets = {"birth_date": DATE}


ENROLMENT_DETAILS = ["enrolled_on", "funder", "employer", "tutor"]


class EnrolmentForm(RecordForm):
    """An enrolment's details; its status changes only through the lifecycle actions."""

    # Tutors are named with their employer: read them together.
    tutor = forms.ModelChoiceField(
        label=_("Tuteur"), queryset=Tutor.objects.select_related("employer"), required=False
    )

    class Meta:
        model = Enrolment
        fields = ENROLMENT_DETAILS
        widgets = {"enrolled_on": DATE}


class EnrolmentCreateForm(EnrolmentForm):
    class Meta(EnrolmentForm.Meta):
        fields = ["learner", "session", *ENROLMENT_DETAILS]


class TransitionForm(forms.Form):
    """One step of an enrolment's lifecycle (to `status`), on a date; a dropout's reason."""

    status = forms.ChoiceField(choices=EnrolmentStatus.choices, widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date"), widget=DATE)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=200)

    def __init__(self, data: Any = None, *, status: str) -> None:
        # Several of these forms on one page: ids of their own.
        super().__init__(
            data, initial={"status": status, "on": timezone.localdate()}, auto_id=f"id_{status}_%s"
        )
        if status != EnrolmentStatus.ABANDON:
            del self.fields["reason"]


# Disability (PSH) adaptation sheets


def staff_choices(organisation: Organisation) -> QuerySet[User]:
    """Members of staff of the organisation (référent handicap, responsible of a measure)."""
    return User.objects.filter(
        membership__organisation=organisation, membership__role__in=STAFF, is_active=True
    ).order_by("last_name", "first_name")


class AdaptationFilters(FilterForm):
    due = yes_no_filter(_("Revue à faire"))


class AdaptationSheetForm(forms.Form):
    needs = forms.CharField(
        label=_("Besoins exprimés"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Informations de santé : visibles de l'apprenant, de la direction, du "
            "référent qualité et de l'équipe qui le suit, jamais de l'auditeur."
        ),
    )
    need_categories = forms.MultipleChoiceField(
        label=_("Nature des besoins"),
        choices=NeedCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    referent = forms.ModelChoiceField(label=_("Référent handicap"), queryset=User.objects.none())
    next_review_on = forms.DateField(label=_("Prochaine revue le"), required=False, widget=DATE)
    consent_on = forms.DateField(
        label=_("Accord de l'apprenant pour partager ces informations, le"),
        required=False,
        widget=DATE,
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referent"].queryset = staff_choices(organisation)  # type: ignore[attr-defined]


class AdaptationMeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type d'aménagement"), choices=MeasureKind.choices)
    description = forms.CharField(label=_("Aménagement"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible = forms.ModelChoiceField(
        label=_("Responsable de la mise en place"), queryset=User.objects.none()
    )
    due_on = forms.DateField(label=_("À mettre en place pour le"), required=False, widget=DATE)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = staff_choices(organisation)  # type: ignore[attr-defined]


class AttestationForm(forms.Form):
    note = forms.CharField(
        label=_("Constat de mise en place"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ce qui a été mis en place, quand et comment (salle, supports, horaires…)."),
    )
