from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "parcours.followup"
    label = "followup"
    verbose_name = _("Suivi et prévention des abandons")

    def ready(self) -> None:
        from parcours.core.menu import MenuLink, register

        register(
            MenuLink(
                "suivi",
                _("Mes apprentis"),
                "followup:tutor_home",
                order=5,
                roles=frozenset({"tuteur"}),
                visible=lambda user: hasattr(user, "tutor"),
            ),
            MenuLink(
                "suivi", _("Mon suivi"), "followup:dashboard", order=10, capability="cases.work"
            ),
            MenuLink(
                "suivi",
                _("Dossiers de suivi"),
                "followup:case_list",
                order=20,
                capability="records.view",
                also_current=("followup:case_detail",),
            ),
            MenuLink(
                "suivi",
                _("Abandons"),
                "followup:dropout_stats",
                order=40,
                capability="records.view",
            ),
            MenuLink(
                "qualite", _("Procédure"), "followup:procedure", order=10, capability="records.view"
            ),
        )
        from parcours.followup import jobs  # noqa: F401 (registers the daily follow-up)
        from parcours.followup.selectors import followup_events
        from parcours.learners.selectors import TIMELINE_PROVIDERS

        if followup_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(followup_events)

        from parcours.engagement.selectors import OPEN_CASE_PROVIDERS
        from parcours.followup.selectors import open_case_urls

        if open_case_urls not in OPEN_CASE_PROVIDERS:
            OPEN_CASE_PROVIDERS.append(open_case_urls)
