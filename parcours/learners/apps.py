from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "parcours.learners"
    label = "learners"
    verbose_name = _("Apprenants et inscriptions")

    def ready(self) -> None:
        from parcours.learners import (
            importers,  # noqa: F401 (registers the import kinds)
            panels,
        )

        panels.register()
