from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "parcours.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from parcours.audit import cli  # noqa: F401
        from parcours.audit.cli import pack  # noqa: F401  (the `audit pack` subcommand)
        from parcours.audit.pack import sections

        sections.register_defaults()
