"""The shape every back-office list and form page shares.

A list page: a GET filter form (a value that does not validate is ignored, never an
error page), a whitelisted sort (`?tri=key` or `?tri=-key`) and pagination. A form page:
a form whose cleaned data goes to a service; the service's `ValidationError` is shown on
the form, and the form itself never writes.

The templates: `programmes/list_page.html` (extended by every list) and
`programmes/form_page.html`.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from parcours.core.models import Organisation, User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PER_PAGE = 25
# The back office's pages share one form page and one list layout (list_page.html).
FORM_TEMPLATE = "programmes/form_page.html"


class FilterForm(forms.Form):
    """The filters of a list page, read from the query string."""

    q = forms.CharField(
        label=_("Recherche"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, data: Any, *, organisation: Organisation) -> None:
        super().__init__(data)
        self.organisation = organisation
        limit_choices(self, organisation)

    def criteria(self) -> dict[str, Any]:
        """The valid, non-empty filters (a forged or malformed value is simply left out)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: value for name, value in cleaned.items() if value not in (None, "")}


def limit_choices(form: forms.BaseForm, organisation: Organisation) -> None:
    """Offer only the organisation's objects in every select of the form."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
            field.queryset = field.queryset.filter(organisation=organisation)


def yes_no_filter(label: "StrOrPromise") -> forms.TypedChoiceField:
    """A yes/no filter: True, False, or None (all)."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("", _("Tous")), ("oui", _("Oui")), ("non", _("Non"))],
        coerce=lambda value: value == "oui",
        empty_value=None,
        required=False,
    )


def list_context(
    request: HttpRequest,
    queryset: models.QuerySet[Any],
    filters: FilterForm,
    *,
    sorts: Mapping[str, Sequence[str]],
    default_sort: str,
    per_page: int = PER_PAGE,
) -> dict[str, Any]:
    """Sort (by a whitelisted key) and paginate an already filtered queryset."""
    sort = request.GET.get("tri", "")
    if sort.removeprefix("-") not in sorts:
        sort = default_sort
    key = sort.removeprefix("-")
    fields = [_reverse(f) if sort.startswith("-") else f for f in sorts[key]]
    page = Paginator(queryset.order_by(*fields, "pk"), per_page).get_page(request.GET.get("page"))

    params = request.GET.copy()
    params.pop("page", None)
    querystring = params.urlencode()  # what the pagination links keep
    sort_links = {}
    for name in sorts:
        params["tri"] = f"-{name}" if sort == name else name
        arrow = "▲" if sort == name else "▼" if sort == f"-{name}" else ""
        sort_links[name] = {"url": f"?{params.urlencode()}", "arrow": arrow}
    return {
        "page": page,
        "filters": filters,
        "filtered": bool(filters.criteria()),
        "querystring": querystring,
        "sort_links": sort_links,
    }


def _reverse(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


class RecordForm(forms.ModelForm):
    """Fields, labels and choices from the model; validation and writing by the service.

    The form never touches its instance (which only provides the initial values): the
    cleaned data goes to a service that runs the model's validation and journals the
    change. Choices of related objects are limited to the organisation, so a forged
    primary key of another organisation is refused as an invalid choice.
    """

    # Fields unique within the organisation, and the message shown on a duplicate.
    unique_in_organisation: dict[str, "StrOrPromise"] = {}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        limit_choices(self, organisation)

    def clean(self) -> dict[str, Any]:
        super().clean()
        manager = self._meta.model._default_manager
        for name, message in self.unique_in_organisation.items():
            value = self.cleaned_data.get(name)
            same = manager.filter(organisation=self.organisation, **{name: value})
            if value and same.exclude(pk=self.instance.pk).exists():
                self.add_error(name, message)
        return self.cleaned_data

    def _post_clean(self) -> None:
        """Skip ModelForm's copying into the instance and model validation: the service
        validates on the real write, and the instance stays as read (so the journal sees
        the true "before")."""

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("save through the service, which journals the change")


def show_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field if the form shows it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        shown = name in form.fields and not form[name].is_hidden
        form.add_error(name if shown else None, errors)


def acting_user(request: HttpRequest) -> User:
    """The logged-in user who makes the change (every view here requires a login)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], Any],
    *,
    success: str,
    heading: str,
    cancel_url: str,
) -> HttpResponse:
    """A create or edit page.

    On a valid POST, `save` (a service call) writes and journals, then the user goes to
    the saved object's page; otherwise the form is shown, with the service's errors on it.
    """
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(obj)
    context = {"form": form, "heading": heading, "cancel_url": cancel_url}
    return render(request, FORM_TEMPLATE, context)
