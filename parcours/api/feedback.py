"""REST API v1, read-only: feedback campaigns, their response rates and aggregated
results. Results come from feedback's selectors, so the k rule holds here as in the
pages: a group with fewer than k respondents has no breakdown."""

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from parcours.feedback import selectors
from parcours.feedback.access import campaigns_for_user, reader, sessions_for_user
from parcours.feedback.models import Audience, Campaign


def _rate(rate: selectors.Rate) -> dict[str, Any]:
    return {**rate.as_dict(), "response_rate": rate.percent}


def _results(results: selectors.Results) -> dict[str, Any]:
    out: dict[str, Any] = {
        "k": results.k,
        "respondents": results.respondents,
        "rate": _rate(results.rate),
        "breakdown": results.shown,
    }
    if not results.shown:
        out["items"] = []
        out["verbatims"] = []
        return out
    out["satisfaction"] = results.satisfaction
    out["items"] = [
        {
            "questionnaire": i.questionnaire,
            "key": i.key,
            "text": i.text,
            "theme": i.theme,
            "trainer": i.trainer,
            "respondents": i.respondents,
            "breakdown": i.shown,
            "counts": [{"label": label, "count": n} for label, n in i.counts] if i.shown else [],
            "mean": i.mean if i.shown else None,
            "satisfaction": i.satisfaction if i.shown else None,
            "nps": i.nps if i.shown else None,
        }
        for i in results.items
    ]
    out["verbatims"] = results.verbatims
    return out


def _campaign(campaign: Campaign, rate: selectors.Rate) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "questionnaire": campaign.questionnaire.title,
        "audience": campaign.questionnaire.audience,
        "anonymous": campaign.questionnaire.anonymous,
        "version": campaign.version.number,
        "session": campaign.session_id,
        "period_start": campaign.period_start,
        "period_end": campaign.period_end,
        "launched_on": campaign.launched_on,
        "rate": _rate(rate),
    }


class FeedbackView(APIView):
    permission_classes = [IsAuthenticated]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        try:
            self.membership = reader(request.user)
        except PermissionDenied:
            from rest_framework.exceptions import PermissionDenied as Forbidden

            raise Forbidden from None


class CampaignList(FeedbackView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Campagnes de questionnaires")
    def get(self, request: Request) -> Response:
        campaigns = campaigns_for_user(request.user).select_related("questionnaire", "version")
        rows = [
            _campaign(c, selectors.rate(c.invitations.all()))
            for c in campaigns.order_by("-launched_on", "-pk")[:500]
        ]
        return Response({"results": rows})


class CampaignResults(FeedbackView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Résultats agrégés d'une campagne")
    def get(self, request: Request, pk: int) -> Response:
        campaign = campaigns_for_user(request.user).filter(pk=pk).first()
        if campaign is None:
            raise NotFound
        results = selectors.results(self.membership.organisation, Campaign.objects.filter(pk=pk))
        return Response({"campaign": pk, **_results(results)})


class Results(FeedbackView):
    @extend_schema(
        parameters=[
            OpenApiParameter("session", int),
            OpenApiParameter("audience", str, enum=list(Audience.values)),
            OpenApiParameter("from", str),
            OpenApiParameter("to", str),
        ],
        responses={200: OpenApiTypes.OBJECT},
        summary="Résultats agrégés (seuil d'anonymat k)",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        filters = selectors.Filters()
        errors = {}
        if params.get("session"):
            session = (
                sessions_for_user(request.user).filter(pk=params["session"]).first()
                if params["session"].isdigit()
                else None
            )
            if session is None:
                errors["session"] = "Session inconnue."
            filters.session = session
        if params.get("audience"):
            if params["audience"] not in Audience.values:
                errors["audience"] = "Public inconnu."
            filters.audience = params["audience"]
        for name, attr in (("from", "date_from"), ("to", "date_to")):
            if params.get(name):
                field = serializers.DateField()
                try:
                    setattr(filters, attr, field.to_internal_value(params[name]))
                except serializers.ValidationError:
                    errors[name] = "Date invalide (AAAA-MM-JJ)."
        if errors:
            raise ValidationError(errors)
        results = selectors.results(
            self.membership.organisation, filters.apply(campaigns_for_user(request.user))
        )
        return Response(_results(results))
