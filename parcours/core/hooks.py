"""What the apps above core do when an organisation is created.

Core cannot import them (layer order), so each registers its hook in `AppConfig.ready`:
safeguarding its prevention procedure and its default handler, followup its dropout
procedure, messaging its templates. `create_organisation` runs every hook inside its own
transaction, so a new organisation starts complete, and reading a page never has to
create anything.
"""

from collections.abc import Callable
from typing import Any

from parcours.core.models import Organisation, User

OrganisationHook = Callable[[Organisation, Any], None]
ORGANISATION_CREATED: list[OrganisationHook] = []


def on_organisation_created(hook: OrganisationHook) -> OrganisationHook:
    """Register a hook `hook(organisation, acting_user)` (once, whatever ready() does)."""
    if hook not in ORGANISATION_CREATED:
        ORGANISATION_CREATED.append(hook)
    return hook


def organisation_created(organisation: Organisation, acting_user: User | None) -> None:
    for hook in ORGANISATION_CREATED:
        hook(organisation, acting_user)
