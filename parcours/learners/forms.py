from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.crud import FilterForm, RecordForm, yes_no_filter
from parcours.learners.models import Enrolment, EnrolmentStatus, Learner, Tutor
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
