from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "parcours.feedback"
    label = "feedback"
    verbose_name = _("Appréciations des parties prenantes")

    def ready(self) -> None:
        from parcours.core.menu import MenuLink, register
        from parcours.feedback import jobs  # noqa: F401 (registers scheduling and reminders)
        from parcours.feedback.complaints import jobs as complaint_jobs  # noqa: F401

        register(
            MenuLink(
                "qualite",
                _("Questionnaires"),
                "feedback:index",
                order=20,
                capability="journal.view",
            )
        )
        register(
            MenuLink(
                "qualite",
                _("Réclamations"),
                "feedback:complaints:register",
                order=25,
                capability="records.view",
                also_current=("feedback:complaints:detail", "feedback:complaints:new"),
            )
        )
