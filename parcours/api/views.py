"""REST API v1: sessions, learners, enrolments and attendance of the user's organisation.

Views are thin: they scope every queryset to the acting user's organisation (another
organisation's ids answer 404), parse with the serializers, and write through the
services, which validate and journal as the token's user.
"""

from collections.abc import Callable
from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from parcours.api import serializers as api
from parcours.api.permissions import RecordsPermission
from parcours.attendance.models import AttendanceMark, Method
from parcours.attendance.services import record_mark
from parcours.core.access import organisation_for, scoped
from parcours.core.models import Organisation
from parcours.learners import selectors as learner_selectors
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment, Learner
from parcours.programmes import services as programme_services
from parcours.programmes.models import Session


class ScopedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    GenericViewSet,
):
    """The organisation's records of one kind: list, retrieve, create, update."""

    permission_classes = [RecordsPermission]
    lookup_value_regex = r"[0-9]{1,18}"
    model: type[models.Model]
    ordering: tuple[str, ...]  # ends with "pk", so that pages are stable
    related: tuple[str, ...] = ()  # what the serializer reads of related rows
    filters_class: type[serializers.Serializer]
    # The services that write: create(organisation, ...) and update(obj, ...).
    create_service: Callable[..., Any]
    update_service: Callable[..., Any]

    @property
    def organisation(self) -> Organisation:
        return organisation_for(self.request.user)

    def filter_queryset(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if self.action != "list":
            return queryset
        params = self.filters_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return self.filter_by(queryset, params.validated_data)

    def filter_by(self, queryset: models.QuerySet[Any], filters: dict[str, Any]) -> Any:
        return queryset.filter(**filters)

    def get_queryset(self) -> models.QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return self.model._default_manager.none()
        queryset = self.model._default_manager.select_related(*self.related)
        return scoped(self.request.user, queryset.order_by(*self.ordering))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = self.create_service(
            self.organisation, acting_user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        self.update_service(
            serializer.instance, acting_user=self.request.user, **serializer.validated_data
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["organisation"] = self.organisation
        return context


def _list_schema(filters: type[serializers.Serializer]) -> Any:
    return extend_schema_view(list=extend_schema(parameters=[filters]))


@_list_schema(api.SessionFilters)
class SessionViewSet(ScopedViewSet):
    """Sessions (a cohort of a programme, with dates)."""

    model = Session
    serializer_class = api.SessionSerializer
    filters_class = api.SessionFilters
    create_service = staticmethod(programme_services.create_session)
    update_service = staticmethod(programme_services.update_session)

    ordering = ("-start_date", "title", "pk")


@_list_schema(api.LearnerFilters)
class LearnerViewSet(ScopedViewSet):
    """Learners (apprenants)."""

    model = Learner
    serializer_class = api.LearnerSerializer
    filters_class = api.LearnerFilters
    create_service = staticmethod(learner_services.create_learner)
    update_service = staticmethod(learner_services.update_learner)

    ordering = ("last_name", "first_name", "pk")

    def filter_by(self, queryset: models.QuerySet[Any], filters: dict[str, Any]) -> Any:
        q = filters.pop("q", "")
        return learner_selectors.learners(queryset.filter(**filters), q=q)


@_list_schema(api.EnrolmentFilters)
class EnrolmentViewSet(ScopedViewSet):
    """Enrolments; their status moves only through `transition`."""

    model = Enrolment
    serializer_class = api.EnrolmentSerializer
    filters_class = api.EnrolmentFilters
    update_service = staticmethod(learner_services.update_enrolment)

    ordering = ("-enrolled_on", "pk")
    related = ("learner", "session")

    def filter_by(self, queryset: models.QuerySet[Any], filters: dict[str, Any]) -> Any:
        for name in ("learner", "session"):
            if f"{name}_external_id" in filters:
                filters[f"{name}__external_id"] = filters.pop(f"{name}_external_id")
        return queryset.filter(**filters)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        values = dict(serializer.validated_data)
        serializer.instance = learner_services.enrol(
            values.pop("learner"),
            values.pop("session"),
            acting_user=self.request.user,
            **values,
        )

    @extend_schema(request=api.TransitionSerializer, responses=api.EnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move along the lifecycle: inscrit → en_cours → termine | abandon."""
        enrolment = self.get_object()
        params = api.TransitionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        enrolment = learner_services.change_status(
            enrolment,
            params.validated_data["status"],
            acting_user=request.user,
            on=params.validated_data["on"],
            reason=params.validated_data["reason"],
        )
        return Response(self.get_serializer(enrolment).data)


@_list_schema(api.AttendanceFilters)
class AttendanceViewSet(ScopedViewSet):
    """Attendance marks, one per learner and slot (séance)."""

    model = AttendanceMark
    serializer_class = api.AttendanceSerializer
    filters_class = api.AttendanceFilters
    field_aliases = {"justification_note": "note"}

    ordering = ("slot__starts_at", "pk")
    related = ("slot", "enrolment")

    def filter_by(self, queryset: models.QuerySet[Any], filters: dict[str, Any]) -> Any:
        lookups = {
            "session": "slot__session",
            "learner": "enrolment__learner",
            "slot": "slot",
            "enrolment": "enrolment",
            "date_from": "slot__starts_at__date__gte",
            "date_to": "slot__starts_at__date__lte",
        }
        return queryset.filter(**{lookups[name]: value for name, value in filters.items()})

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = record_mark(
            data["slot"],
            data["enrolment"],
            data["status"],
            acting_user=self.request.user,
            method=Method.API,
            minutes_late=data.get("minutes_late"),
            note=data.get("justification_note", ""),
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        mark = serializer.instance
        data = serializer.validated_data
        serializer.instance = record_mark(
            mark.slot,
            mark.enrolment,
            data.get("status", mark.status),
            acting_user=self.request.user,
            method=Method.API,
            minutes_late=data.get("minutes_late", mark.minutes_late),
            note=data.get("justification_note", mark.justification_note),
        )
