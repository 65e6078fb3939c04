"""Helpers shared by the follow-up's pages."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from parcours.core import crud
from parcours.core.models import User


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def me(request: HttpRequest) -> User:
    return crud.acting_user(request)


def form_errors(request: HttpRequest, form: forms.Form) -> None:
    """A form posted from a section of another page: its errors shown as messages."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label} : {error}" if label else str(error))


def attempt(request: HttpRequest, write: Any, success: str) -> Any:
    """Run a service call; show its success, or its validation errors, as messages."""
    try:
        result = write()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return None
    messages.success(request, success)
    return result if result is not None else True
