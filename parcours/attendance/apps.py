from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "parcours.attendance"
    label = "attendance"
    verbose_name = _("Présences et émargements")

    def ready(self) -> None:
        from parcours.attendance import importers  # noqa: F401 (registers the import kind)
        from parcours.attendance.selectors import attendance_events
        from parcours.attendance.signing import services  # noqa: F401 (attendance.send_links)
        from parcours.core import journal_text
        from parcours.learners.selectors import TIMELINE_PROVIDERS

        if attendance_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(attendance_events)

        journal_text.register(
            {
                "attendance.sign": _("Émargement signé : %(object)s"),
                "attendance.justification": _("Justificatif d'absence enregistré : %(object)s"),
                "attendance.excuse": _("Absence excusée : %(object)s"),
                "attendance.codes_issued": _(
                    "%(count)s code(s) d'émargement imprimé(s) : %(object)s"
                ),
                "attendance.links_requested": _("Liens d'émargement envoyés : %(object)s"),
            }
        )
        from parcours.attendance.signals import PROVIDER
        from parcours.core.signals import register as register_signal

        register_signal(PROVIDER)
