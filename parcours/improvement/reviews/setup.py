"""What the quality reviews register at start-up (called from ImprovementConfig.ready):
their menu entry and their journal sentences."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from parcours.core import journal_text
    from parcours.core.menu import MenuLink
    from parcours.core.menu import register as register_menu

    register_menu(
        MenuLink(
            "qualite",
            _("Revues qualité"),
            "improvement:reviews:index",
            order=40,
            capability="improvement.view",
            also_current=("improvement:reviews:detail", "improvement:reviews:new"),
        )
    )
    journal_text.register(
        {
            "reviews.planned": _("Revue préparée : %(object)s"),
            "reviews.updated": _("Revue modifiée : %(object)s"),
            "reviews.held": _("Revue tenue, ordre du jour figé : %(object)s"),
        }
    )
