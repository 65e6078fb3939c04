"""The complaints register's "Créer une action d'amélioration" button hands the entry to
the improvement plan, which sits above feedback in the layers: improvement registers the
function that creates the action (from its AppConfig.ready). When none is registered, the
suggestion stays recorded on the entry, as before."""

from collections.abc import Callable
from typing import Any

CreateAction = Callable[[Any, Any], tuple[str, str]]
_HANDLER: list[CreateAction] = []


def register(fn: CreateAction) -> None:
    """Register (or replace: `ready` may run twice) the function creating the action."""
    _HANDLER[:] = [fn]


def unregister() -> None:
    _HANDLER.clear()


def create_action(complaint: Any, acting_user: Any) -> tuple[str, str] | None:
    """(reference, url) of the action created for the entry, or None if nothing is
    registered."""
    if not _HANDLER:
        return None
    return _HANDLER[0](complaint, acting_user)
