import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parcours.attendance.models import AttendanceStatus
from parcours.attendance.schedule import Pattern
from parcours.attendance.selectors import RollLine
from parcours.core.crud import limit_choices
from parcours.programmes.models import Session, Trainer

WEEKDAYS = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
    (5, _("samedi")),
    (6, _("dimanche")),
]


class ScheduleForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours de la semaine"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    start_time = forms.TimeField(
        label=_("Heure de début"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Heure de fin"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    first_day = forms.DateField(
        label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label=_("Au"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    trainer = forms.ModelChoiceField(
        label=_("Formateur"), queryset=Trainer.objects.all(), required=False
    )
    room = forms.CharField(label=_("Salle ou lien"), max_length=200, required=False)

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "first_day": session.start_date,
                "last_day": session.end_date,
                "start_time": dt.time(9, 0),
                "end_time": dt.time(12, 30),
            },
        )
        super().__init__(*args, **kwargs)
        limit_choices(self, session.organisation)

    def pattern(self) -> Pattern:
        data = self.cleaned_data
        return Pattern(
            weekdays=frozenset(data["weekdays"]),
            start_time=data["start_time"],
            end_time=data["end_time"],
            first_day=data["first_day"],
            last_day=data["last_day"],
        )


class GroupMarkForm(forms.Form):
    """One status (and, for an excused absence, a note or file) per learner of the slot."""

    def __init__(self, *args: Any, lines: list[RollLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            pk = line.enrolment.pk
            self.fields[f"status-{pk}"] = forms.ChoiceField(
                label=line.enrolment.learner.full_name,
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=line.mark.status if line.mark else None,
            )
            self.fields[f"note-{pk}"] = forms.CharField(
                label=_("Motif de l'absence"),
                max_length=300,
                required=False,
                initial=line.mark.justification_note if line.mark else "",
            )
            self.fields[f"file-{pk}"] = forms.FileField(label=_("Justificatif"), required=False)

    def rows(self) -> list[dict[str, Any]]:
        """What the template shows per learner: the roll line and its three fields."""
        return [
            {
                "line": line,
                "status": self[f"status-{line.enrolment.pk}"],
                "note": self[f"note-{line.enrolment.pk}"],
                "file": self[f"file-{line.enrolment.pk}"],
            }
            for line in self.lines
        ]

    def statuses(self) -> dict[int, str]:
        data = self.cleaned_data
        return {
            line.enrolment.pk: data[f"status-{line.enrolment.pk}"]
            for line in self.lines
            if data.get(f"status-{line.enrolment.pk}")
        }

    def notes(self) -> dict[int, str]:
        data = self.cleaned_data
        return {line.enrolment.pk: data.get(f"note-{line.enrolment.pk}", "") for line in self.lines}

    def uploads(self) -> dict[int, Any]:
        data = self.cleaned_data
        return {
            line.enrolment.pk: data[f"file-{line.enrolment.pk}"]
            for line in self.lines
            if data.get(f"file-{line.enrolment.pk}")
        }
