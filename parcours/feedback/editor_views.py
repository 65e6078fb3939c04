"""The questionnaire editor's pages (référent qualité, direction). Plain forms, one POST
per action, so that it works without JavaScript; every write is a service call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parcours.core.access import require
from parcours.core.models import User
from parcours.feedback import services
from parcours.feedback.access import get_item_for_editor, get_questionnaire_for_editor
from parcours.feedback.forms import IntroForm, ItemForm, QuestionnaireForm
from parcours.feedback.models import Item, Questionnaire, QuestionnaireVersion
from parcours.feedback.services import editor


def _edit_url(questionnaire: Questionnaire) -> str:
    return reverse("feedback:questionnaire_edit", args=[questionnaire.pk])


def _item_initial(item: Item) -> dict[str, object]:
    return {
        "text": item.text,
        "kind": item.kind,
        "theme": item.theme,
        "options": "\n".join(item.options),
        "required": item.required,
        "per_trainer": item.per_trainer,
    }


@login_required
def questionnaire_new(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, "surveys.edit")
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = editor.create_questionnaire(
                membership.organisation,
                acting_user=request.user,  # type: ignore[arg-type]
                **form.cleaned_data,
            )
        except services.Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Questionnaire créé : ajoutez ses questions."))
            return redirect(_edit_url(questionnaire))
    return render(request, "feedback/questionnaire_new.html", {"form": form})


def _render_editor(
    request: HttpRequest,
    questionnaire: Questionnaire,
    *,
    add_form: ItemForm | None = None,
    failed: tuple[int, ItemForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    draft = questionnaire.draft()
    current = questionnaire.current_version()
    shown: QuestionnaireVersion | None = draft or current
    items = list(shown.items.all()) if shown else []
    forms = [
        (
            item,
            failed[1]
            if failed and failed[0] == item.pk
            else ItemForm(initial=_item_initial(item), auto_id=f"item{item.pk}-%s"),
        )
        for item in items
    ]
    return render(
        request,
        "feedback/questionnaire_edit.html",
        {
            "questionnaire": questionnaire,
            "draft": draft,
            "current": current,
            "versions": questionnaire.versions.annotate(
                campaign_count=Count("campaigns"), item_count=Count("items", distinct=True)
            ).order_by("-number"),
            "items": forms,
            "add_form": add_form or ItemForm(),
            "intro_form": IntroForm(initial={"intro": draft.intro}) if draft else None,
        },
        status=status,
    )


@login_required
def questionnaire_edit(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = get_questionnaire_for_editor(request.user, pk)
    return _render_editor(request, questionnaire)


@login_required
@require_POST
def version_draft(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = get_questionnaire_for_editor(request.user, pk)
    try:
        draft = editor.create_draft(questionnaire, acting_user=request.user)  # type: ignore[arg-type]
    except services.Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Version %(n)s en préparation.") % {"n": draft.number})
    return redirect(_edit_url(questionnaire))


@login_required
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = get_questionnaire_for_editor(request.user, pk)
    draft = questionnaire.draft()
    if draft is None:
        messages.error(request, _("Aucune version en préparation."))
        return redirect(_edit_url(questionnaire))
    try:
        editor.publish_version(draft, acting_user=request.user, now=timezone.now())  # type: ignore[arg-type]
    except services.Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Version %(n)s publiée : les prochaines campagnes l'enverront.")
            % {"n": draft.number},
        )
    return redirect(_edit_url(questionnaire))


@login_required
@require_POST
def version_intro(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = get_questionnaire_for_editor(request.user, pk)
    draft = questionnaire.draft()
    form = IntroForm(request.POST)
    if draft is None or not form.is_valid():
        messages.error(request, _("Introduction non enregistrée."))
        return redirect(_edit_url(questionnaire))
    try:
        editor.update_intro(draft, acting_user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
    except services.Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Introduction enregistrée."))
    return redirect(_edit_url(questionnaire))


@login_required
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = get_questionnaire_for_editor(request.user, pk)
    draft = questionnaire.draft()
    form = ItemForm(request.POST)
    if draft is None:
        messages.error(request, _("Créez d'abord une nouvelle version."))
        return redirect(_edit_url(questionnaire))
    if form.is_valid():
        try:
            editor.add_item(draft, acting_user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except services.Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Question ajoutée."))
            return redirect(_edit_url(questionnaire) + "#questions")
    return _render_editor(request, questionnaire, add_form=form, status=400)


@login_required
@require_POST
def item_change(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One question's form: save, remove, up, down (the button pressed says which)."""
    item = get_item_for_editor(request.user, pk, item_pk)
    questionnaire = item.version.questionnaire
    user: User = request.user  # type: ignore[assignment]
    action = request.POST.get("action", "save")
    if item.version.published_at is not None:
        messages.error(
            request,
            _("Cette version est publiée : elle ne change plus. Créez une nouvelle version."),
        )
        return redirect(_edit_url(questionnaire))
    try:
        if action == "remove":
            editor.remove_item(item, acting_user=user)
            messages.success(request, _("Question retirée."))
        elif action in ("up", "down"):
            editor.move_item(item, acting_user=user, up=action == "up")
        else:
            form = ItemForm(request.POST, auto_id=f"item{item.pk}-%s")
            if not form.is_valid():
                return _render_editor(request, questionnaire, failed=(item.pk, form), status=400)
            try:
                editor.update_item(item, acting_user=user, **form.cleaned_data)
            except services.Refused as exc:
                form.add_error(None, str(exc))
                return _render_editor(request, questionnaire, failed=(item.pk, form), status=400)
            messages.success(request, _("Question enregistrée."))
    except services.Refused as exc:
        messages.error(request, str(exc))
    return redirect(_edit_url(questionnaire) + f"#item-{item.pk}")
