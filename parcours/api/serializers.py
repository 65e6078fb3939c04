"""What the API reads and writes. Serializers parse and check types; the services validate
the rest (dates, lifecycle, uniqueness) and write, journaled, as the token's user.

Related objects are given by id, and learners and sessions also by external id
(`learner_external_id`, `session_external_id`): both name the same object and both are
answered. Ids and external ids are looked up in the acting user's organisation only, so
another organisation's object is simply unknown.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from parcours.attendance.models import AttendanceMark, AttendanceStatus
from parcours.learners.models import (
    Employer,
    Enrolment,
    EnrolmentStatus,
    Funder,
    Learner,
    Tutor,
)
from parcours.programmes.models import Programme, Session, Slot

# Ids are 64-bit on every database: anything larger is unknown, not an overflow.
MAX_ID = 2**63 - 1


def _organisation_queryset(field: serializers.RelatedField, model: type[models.Model]) -> Any:
    organisation = field.context.get("organisation")
    return model._default_manager.filter(organisation=organisation)


class ScopedIdField(serializers.PrimaryKeyRelatedField):
    """The id of an object of the acting user's organisation."""

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return _organisation_queryset(self, self.model)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= pk <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(pk)


class ScopedExternalIdField(serializers.SlugRelatedField):
    """The external id of an object of the acting user's organisation."""

    default_error_messages = {
        "does_not_exist": _("Identifiant externe inconnu : « {value} »."),
        "invalid": _("Identifiant externe invalide."),
    }

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(slug_field="external_id", **kwargs)

    def get_queryset(self) -> Any:
        return _organisation_queryset(self, self.model)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # A blank external id is an error of its own, not a null (as a related field has it).
        return serializers.Field.run_validation(self, data)

    def to_internal_value(self, data: Any) -> Any:
        # Text as any other: not blank, not too long, no NUL or lone surrogate.
        text = serializers.CharField(max_length=80).run_validation(data)
        return super().to_internal_value(text)


class SessionSerializer(serializers.ModelSerializer):
    programme = ScopedIdField(Programme, allow_null=True, required=False)
    capacity = serializers.IntegerField(
        label=_("places"), min_value=0, max_value=100_000, allow_null=True, required=False
    )

    class Meta:
        model = Session
        fields = [
            "id",
            "external_id",
            "title",
            "category",
            "modality",
            "start_date",
            "end_date",
            "duration_hours",
            "capacity",
            "programme",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []  # the service's full_clean checks uniqueness


class LearnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Learner
        fields = [
            "id",
            "external_id",
            "last_name",
            "first_name",
            "email",
            "phone",
            "birth_date",
            "disability",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []


class EnrolmentSerializer(serializers.ModelSerializer):
    learner = ScopedIdField(Learner, required=False, help_text=_("ou learner_external_id"))
    learner_external_id = ScopedExternalIdField(
        Learner, source="learner", required=False, help_text=_("ou learner")
    )
    session = ScopedIdField(Session, required=False, help_text=_("ou session_external_id"))
    session_external_id = ScopedExternalIdField(
        Session, source="session", required=False, help_text=_("ou session")
    )
    funder = ScopedIdField(Funder, allow_null=True, required=False)
    employer = ScopedIdField(Employer, allow_null=True, required=False)
    tutor = ScopedIdField(Tutor, allow_null=True, required=False)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "learner",
            "learner_external_id",
            "session",
            "session_external_id",
            "enrolled_on",
            "status",
            "started_on",
            "ended_on",
            "end_reason",
            "funder",
            "employer",
            "tutor",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "started_on",
            "ended_on",
            "end_reason",
            "created_at",
            "updated_at",
        ]
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        for name in ("learner", "session"):
            if self.instance is None:
                if name not in attrs:
                    errors[name] = [
                        gettext("Indiquez %(field)s ou %(field)s_external_id.") % {"field": name}
                    ]
                elif not _same_object(self, name):
                    errors[name] = [
                        gettext(
                            "%(field)s et %(field)s_external_id désignent deux objets différents."
                        )
                        % {"field": name}
                    ]
            elif name in attrs and attrs.pop(name) != getattr(self.instance, name):
                errors[name] = [gettext("Ne se modifie pas : créez une autre inscription.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _same_object(serializer: EnrolmentSerializer, name: str) -> bool:
    """When both the id and the external id are given, they name the same object."""
    data = serializer.initial_data
    by_id, by_external_id = data.get(name), data.get(f"{name}_external_id")
    if by_id is None or by_external_id is None:
        return True
    first = serializer.fields[name].to_internal_value(by_id)
    second = serializer.fields[f"{name}_external_id"].to_internal_value(by_external_id)
    return bool(first == second)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(label=_("statut"), choices=EnrolmentStatus.choices)
    on = serializers.DateField(label=_("date"))
    reason = serializers.CharField(
        label=_("motif"), max_length=200, allow_blank=True, required=False, default=""
    )


class AttendanceSerializer(serializers.ModelSerializer):
    slot = ScopedIdField(Slot)
    enrolment = ScopedIdField(Enrolment)
    status = serializers.ChoiceField(label=_("présence"), choices=AttendanceStatus.choices)
    minutes_late = serializers.IntegerField(
        label=_("retard (minutes)"), min_value=0, max_value=24 * 60, allow_null=True, required=False
    )
    note = serializers.CharField(
        label=_("motif de l'absence"),
        source="justification_note",
        max_length=300,
        allow_blank=True,
        required=False,
    )
    learner = serializers.IntegerField(source="enrolment.learner_id", read_only=True)
    session = serializers.IntegerField(source="slot.session_id", read_only=True)
    starts_at = serializers.DateTimeField(source="slot.starts_at", read_only=True)

    class Meta:
        model = AttendanceMark
        fields = [
            "id",
            "slot",
            "enrolment",
            "learner",
            "session",
            "starts_at",
            "status",
            "minutes_late",
            "note",
            "method",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["method", "recorded_by", "created_at", "updated_at"]
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for name in ("slot", "enrolment"):
                if name in attrs and attrs.pop(name) != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: [_("Ne se modifie pas : relevez une autre présence.")]}
                    )
        return attrs


# Query parameters of the lists.


class IdFilterField(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, required=False, **kwargs)


class SessionFilters(serializers.Serializer):
    external_id = serializers.CharField(required=False, max_length=80)
    programme = IdFilterField()


class LearnerFilters(serializers.Serializer):
    external_id = serializers.CharField(required=False, max_length=80)
    q = serializers.CharField(required=False, max_length=200, help_text=_("nom, prénom, e-mail"))


class EnrolmentFilters(serializers.Serializer):
    learner = IdFilterField()
    session = IdFilterField()
    learner_external_id = serializers.CharField(required=False, max_length=80)
    session_external_id = serializers.CharField(required=False, max_length=80)
    status = serializers.ChoiceField(choices=EnrolmentStatus.choices, required=False)


class AttendanceFilters(serializers.Serializer):
    session = IdFilterField()
    learner = IdFilterField()
    slot = IdFilterField()
    enrolment = IdFilterField()
    date_from = serializers.DateField(required=False, help_text=_("séances à partir de ce jour"))
    date_to = serializers.DateField(required=False, help_text=_("séances jusqu'à ce jour inclus"))
