"""The quality reviews' pages: thin views over access, the agenda and services."""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from parcours.core import crud, journal_chain
from parcours.core.models import Membership
from parcours.improvement.reviews import access, agenda, services
from parcours.improvement.reviews.forms import DecisionForm, ReviewForm
from parcours.improvement.reviews.models import Review
from parcours.lib import pdf


@login_required
def index(request: HttpRequest) -> HttpResponse:
    reviews = access.reviews_for_user(request.user)
    context = {"reviews": reviews, "can_edit": access.can_edit(request.user)}
    return render(request, "improvement/reviews/index.html", context)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    membership = access.editor(request.user)
    form = ReviewForm(
        request.POST or None,
        organisation=membership.organisation,
        initial={"held_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            review = services.plan_review(
                membership.organisation, acting_user=crud.acting_user(request), **form.values()
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:reviews:detail", review.pk)
    status = 400 if form.errors else 200
    return render(request, "improvement/reviews/new.html", {"form": form}, status=status)


def _edit_form(review: Review, data: Any = None) -> ReviewForm:
    initial = {
        "held_on": review.held_on,
        "kind": review.kind,
        "participants": Membership.objects.filter(
            organisation_id=review.organisation_id, user__in=review.participants.all()
        ),
        "other_participants": review.other_participants,
        "minutes": review.minutes,
    }
    return ReviewForm(data, organisation=review.organisation, initial=initial)


def _context(request: HttpRequest, review: Review) -> dict[str, Any]:
    figures = agenda.agenda_of(review)
    return {
        "review": review,
        "agenda": figures,
        "since": dt.date.fromisoformat(figures["since"]),
        "until": dt.date.fromisoformat(figures["until"]),
        "charts": agenda.charts(figures),
        "participants": [u.get_full_name() or u.email for u in review.participants.all()],
        "decisions": services.decisions_of(review).select_related("owner"),
    }


def _detail(
    request: HttpRequest, review: Review, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    can_edit = access.can_edit(request.user)
    forms = forms or {}
    if can_edit:
        forms.setdefault("edit", _edit_form(review))
        forms.setdefault("decision", DecisionForm(organisation=review.organisation))
    context = {**_context(request, review), "can_edit": can_edit, "forms": forms}
    return render(request, "improvement/reviews/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access.get_review_for_user(request.user, pk))


@login_required
@require_POST
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_review_to_edit(request.user, pk)
    form = _edit_form(review, request.POST)
    if form.is_valid():
        try:
            services.update_review(review, acting_user=crud.acting_user(request), **form.values())
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:reviews:detail", review.pk)
    return _detail(request, review, {"edit": form}, status=400)


@login_required
@require_POST
def hold(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_review_to_edit(request.user, pk)
    try:
        services.hold_review(review, acting_user=crud.acting_user(request), as_of=timezone.now())
    except ValidationError as error:
        return _detail(request, review, {"error": error.messages}, status=400)
    return redirect("improvement:reviews:detail", review.pk)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_review_to_edit(request.user, pk)
    form = DecisionForm(request.POST, organisation=review.organisation)
    if form.is_valid():
        try:
            services.record_decision(
                review, acting_user=crud.acting_user(request), **form.action_values()
            )
        except ValidationError as error:
            crud.show_errors(form, error)
        else:
            return redirect("improvement:reviews:detail", review.pk)
    return _detail(request, review, {"decision": form}, status=400)


@login_required
def review_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    review = access.get_review_for_user(request.user, pk)
    html = render_to_string(
        "improvement/reviews/review_pdf.html",
        {**_context(request, review), "organisation": review.organisation},
    )
    content = pdf.render(html, footer=journal_chain.footer(review.organisation_id))
    return pdf.pdf_response(content, f"revue-qualite-{review.held_on:%Y-%m-%d}.pdf")
