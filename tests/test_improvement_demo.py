"""The demo's year of improvement: actions from a survey item, a complaint and a dropout
cause; one proven effective by the data and closed, one not effective and reopened, each
measured by the same function over equal periods before and after."""

import datetime as dt
import html
import io

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from parcours.core.models import Membership, Role
from parcours.demo.builder import build_demo
from parcours.improvement import measures
from parcours.improvement.models import Action, ActionState, Origin, Verdict
from parcours.improvement.services.effectiveness import periods
from tests.feedback_support import at

TODAY = dt.date(2026, 5, 20)


@pytest.mark.django_db
def test_the_demo_year_of_improvement() -> None:
    with time_machine.travel(at(TODAY, 8), tick=False):
        org = build_demo(learners=6, seed=4, today=TODAY).organisation
        actions = Action.objects.filter(organisation=org)
        assert {Origin.SURVEY, Origin.COMPLAINT, Origin.DROPOUT} <= set(
            actions.values_list("origin", flat=True)
        )
        effective = actions.get(state=ActionState.CLOSED)
        reopened = actions.get(checks__verdict=Verdict.NOT_EFFECTIVE)
        assert reopened.state == ActionState.IN_PROGRESS
        for action, verdict in ((effective, Verdict.EFFECTIVE), (reopened, Verdict.NOT_EFFECTIVE)):
            check = action.checks.get()
            assert check.verdict == verdict and check.measured_at is not None
            (b_start, b_end), (a_start, a_end) = periods(check)
            # Comparable: equal lengths, the after period starting where the before ends.
            assert b_end - b_start == a_end - a_start and b_end == a_start
            assert a_end == check.measure_on and a_start == check.action_date
            # The same function gives both values, from the demo's data.
            assert check.value_before == measures.compute(
                org, check.measure, check.parameters, b_start, b_end
            )
            assert check.value_after == measures.compute(
                org, check.measure, check.parameters, a_start, a_end
            )
        assert (effective.checks.get().value_before, effective.checks.get().value_after) == (3, 0)
        dropout = actions.get(origin=Origin.DROPOUT)
        assert dropout.checks.get().verdict == Verdict.PENDING

        client = Client()
        client.force_login(Membership.objects.get(organisation=org, role=Role.DIRECTION).user)
        page = html.unescape(client.get(reverse("improvement:overview")).content.decode())
        assert "Refaire les supports de formation" in page  # to validate, and late
        assert reopened.title in page
        xlsx = client.get(reverse("improvement:table_xlsx"))
        rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[0].values)
        assert len(rows) == 1 + actions.count()
        table = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
        assert table[effective.reference]["Verdict"] == "Efficace"
        assert table[reopened.reference]["Verdict"] == "Non efficace"
        dashboard = html.unescape(client.get("/").content.decode())
        assert "panel-improvement" in dashboard and "1 action à valider" in dashboard
