from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "parcours.attendance"
    label = "attendance"
    verbose_name = _("Présences et émargements")

    def ready(self) -> None:
        from parcours.attendance import (
            importers,  # noqa: F401 (registers the import kind)
            signing,  # noqa: F401 (registers attendance.send_links)
        )
        from parcours.attendance.selectors import attendance_events
        from parcours.learners.selectors import TIMELINE_PROVIDERS

        if attendance_events not in TIMELINE_PROVIDERS:
            TIMELINE_PROVIDERS.append(attendance_events)

        from parcours.attendance.signals import PROVIDER
        from parcours.core.signals import register

        register(PROVIDER)
