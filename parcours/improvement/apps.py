from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "parcours.improvement"
    label = "improvement"
    verbose_name = _("Amélioration continue")

    def ready(self) -> None:
        # h4: the quality reviews and the quality risk register.
        from parcours.improvement.reviews import setup as reviews_setup
        from parcours.improvement.risks import setup as risks_setup

        reviews_setup.register()
        risks_setup.register()
