"""The dropout record, and the dropout statistics (with their CSV export)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core import crud
from parcours.core.access import (
    capability_required,
    organisation_for,
)
from parcours.followup import dropout_rates, selectors
from parcours.followup.access import (
    VIEW,
    WORK,
    get_enrolment_for_user,
)
from parcours.followup.forms import (
    DropoutForm,
    StatsFilterForm,
)
from parcours.followup.models import (
    Dropout,
    FollowupCase,
)
from parcours.followup.services import dropouts as dropout_services
from parcours.followup.views.common import me
from parcours.lib import exports


@capability_required(WORK)
def dropout_record(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for_user(request.user, pk, WORK)
    if Dropout.objects.filter(enrolment=enrolment).exists():
        return redirect("followup:enrolment_followup", pk=enrolment.pk)
    case = None
    case_pk = request.GET.get("dossier", "")
    if case_pk.isdigit():
        case = FollowupCase.objects.filter(
            pk=int(case_pk), enrolment=enrolment, organisation=enrolment.organisation
        ).first()
    form = DropoutForm(
        request.POST or None,
        initial={
            "on": timezone.localdate(),
            "actions_before": selectors.actions_before(enrolment),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            dropout_services.record_dropout(
                enrolment, acting_user=me(request), case=case, **form.cleaned_data
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            messages.success(request, _("Abandon enregistré ; l'inscription est close."))
            return redirect("followup:enrolment_followup", pk=enrolment.pk)
    return render(
        request,
        "followup/dropout_record.html",
        {"enrolment": enrolment, "form": form, "case": case},
    )


@capability_required(VIEW)
def dropout_stats(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    filters = StatsFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    end = cleaned.get("end") or today
    # By default the year so far: the period of the dashboard's figure.
    start = cleaned.get("start") or dt.date(end.year, 1, 1)
    if start > end:
        start, end = end, start
    stats = dropout_rates.dropout_stats(organisation, start, end, cleaned.get("period") or "mois")
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS:
        return exports.table_response(
            fmt,
            f"abandons-{start.isoformat()}-{end.isoformat()}",
            ["axe", "valeur", "inscriptions", "abandons", "taux"],
            (
                [section, row.label, row.enrolments, row.dropouts, _one_decimal(row.rate)]
                for section, rows in stats.sections()
                for row in rows
            ),
            sheet=_("Abandons"),
        )
    query = request.GET.copy()
    query["format"] = "csv"
    xlsx_query = request.GET.copy()
    xlsx_query["format"] = "xlsx"
    return render(
        request,
        "followup/dropout_stats.html",
        {
            "stats": stats,
            "filters": filters,
            "csv_query": query.urlencode(),
            "xlsx_query": xlsx_query.urlencode(),
        },
    )


def _one_decimal(rate: Any) -> Decimal | None:
    return None if rate is None else Decimal(f"{rate:.1f}")
