from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "parcours.feedback"
    label = "feedback"
    verbose_name = _("Appréciations des parties prenantes")

    def ready(self) -> None:
        from parcours.core.hooks import on_organisation_created
        from parcours.core.menu import MenuLink, register
        from parcours.feedback import jobs  # noqa: F401 (registers scheduling and reminders)
        from parcours.feedback import services as feedback_services

        # A new organisation starts with the shipped questionnaires (never made on a GET).
        on_organisation_created(feedback_services.organisation_created)
        from parcours.feedback.complaints import jobs as complaint_jobs  # noqa: F401
        from parcours.feedback.complaints import journal_texts as complaint_texts
        from parcours.feedback.complaints import services as complaint_services
        from parcours.feedback.complaints import triage as complaint_triage
        from parcours.feedback.models import TriageOutcome

        # A new organisation publishes the default complaints procedure; a survey answer
        # triaged as a complaint becomes an entry of the register.
        on_organisation_created(complaint_services.organisation_created)
        complaint_texts.register()

        register(
            MenuLink(
                "qualite",
                _("Questionnaires"),
                "feedback:index",
                order=20,
                capability="journal.view",
            )
        )
        from parcours.core.signals import register as register_signal
        from parcours.feedback import triage
        from parcours.feedback.signals import PROVIDER

        register_signal(PROVIDER)  # the mid-session check-in's signals
        triage.register_journal_text()
        triage.register_handler(TriageOutcome.COMPLAINT, complaint_triage.open_complaint)
        from parcours.core import journal_text
        from parcours.feedback.services.editor import JOURNAL_TEXT

        journal_text.register(JOURNAL_TEXT)
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
