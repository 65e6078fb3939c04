"""Errors as the API answers them: a service's ValidationError is a 400, field by field.

The services validate (`full_clean`, lifecycle rules) and raise Django's ValidationError
with French messages keyed by model field; the client gets them keyed by the API's own
field names. A write that loses a race against a unique constraint is a 409, never a 500.
"""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def validation_detail(
    exc: DjangoValidationError, aliases: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """{api field: [messages]} from a Django ValidationError (non-field errors included)."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}
    detail: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name
        detail.setdefault(aliases.get(key, key), []).extend(messages)
    return detail


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        aliases = getattr(context.get("view"), "field_aliases", None)
        exc = exceptions.ValidationError(validation_detail(exc, aliases))
    elif isinstance(exc, IntegrityError):
        exc = Conflict(_("Un enregistrement identique vient d'être créé ; réessayez."))
    elif isinstance(exc, DataError):
        exc = exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [_("Valeur hors des limites acceptées.")]}
        )
    return drf_exception_handler(exc, context)
