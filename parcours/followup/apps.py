from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "parcours.followup"
    label = "followup"
    verbose_name = _("Suivi et prévention des abandons")

    def ready(self) -> None:
        from parcours.core import journal_text
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
        from parcours.core.homes import register_home
        from parcours.core.models import Role
        from parcours.followup.tutor_views import tutor_home_page

        # A company tutor's home lists their apprentices.
        register_home(Role.TUTEUR, tutor_home_page)
        from parcours.followup import jobs  # noqa: F401 (registers the daily follow-up)
        from parcours.followup.selectors import followup_events
        from parcours.learners.selectors import TIMELINE_PROVIDERS

        if followup_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(followup_events)

        journal_text.register(
            {
                "followup.procedure_published": _("Procédure de suivi publiée : %(object)s"),
                "followup.procedure_validated": _("Procédure de suivi validée : %(object)s"),
                "followup.procedure_archived": _("Procédure de suivi archivée : %(object)s"),
                "followup.case_opened": _("Dossier de suivi ouvert : %(object)s"),
                "followup.case_reassigned": _("Dossier de suivi réattribué : %(object)s"),
                "followup.case_closed": _("Dossier de suivi clos : %(object)s"),
                "followup.step_done": _("Étape réalisée : %(object)s"),
                "followup.step_cancelled": _("Étape annulée : %(object)s"),
                "followup.step_escalated": _("Étape en retard, signalée : %(object)s"),
                "followup.call_logged": _("Appel consigné : %(object)s"),
                "followup.meeting_scheduled": _("Rendez-vous planifié : %(object)s"),
                "followup.meeting_rescheduled": _("Rendez-vous déplacé : %(object)s"),
                "followup.meeting_cancelled": _("Rendez-vous annulé : %(object)s"),
                "followup.meeting_reported": _("Compte rendu rédigé : %(object)s"),
                "followup.measure_recorded": _("Mesure consignée : %(object)s"),
                "followup.tutor_link_sent": _(
                    "Lien de fiche de liaison envoyé au tuteur : %(object)s"
                ),
                "followup.liaison_sheet_submitted": _("Fiche de liaison remplie : %(object)s"),
                "followup.dropout_recorded": _("Abandon analysé : %(object)s"),
            }
        )
        journal_text.register_labels(
            {"tutor": _("tuteur"), "message": _("message"), "expires": _("valable jusqu'au")}
        )
        from parcours.engagement.selectors import OPEN_CASE_PROVIDERS
        from parcours.followup.selectors import open_case_urls

        if open_case_urls not in OPEN_CASE_PROVIDERS:
            OPEN_CASE_PROVIDERS.append(open_case_urls)
        from parcours.core.signals import register as register_signal
        from parcours.followup.signals import PROVIDER

        register_signal(PROVIDER)
        from parcours.core.hooks import on_organisation_created
        from parcours.followup import panels
        from parcours.followup.services import procedure as procedure_services

        on_organisation_created(procedure_services.organisation_created)
        panels.register()
        from parcours.followup import triage

        triage.register()  # feedback's triage: an attributable answer opens a case
