from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "parcours.learners"
    label = "learners"
    verbose_name = _("Apprenants et inscriptions")

    def ready(self) -> None:
        from parcours.core import journal_text
        from parcours.core.menu import MenuLink, register

        register(
            MenuLink(
                "apprenants",
                _("Apprenants"),
                "learners:learner_list",
                order=10,
                capability="records.view",
                also_current=("learners:learner_detail",),
            ),
            MenuLink(
                "apprenants",
                _("Inscriptions"),
                "learners:enrolment_list",
                order=20,
                capability="records.view",
                also_current=("learners:enrolment_detail",),
            ),
            MenuLink(
                "apprenants",
                _("Adaptations (handicap)"),
                "learners:adaptation_list",
                order=50,
                capability="records.view",
            ),
        )
        from parcours.learners import importers  # noqa: F401 (registers the import kinds)

        journal_text.register(
            {
                "enrolment.inscrit": _("Inscription de %(object)s enregistrée"),
                "enrolment.en_cours": _("Parcours de %(object)s commencé"),
                "enrolment.termine": _("Parcours de %(object)s terminé"),
                "enrolment.abandon": _("Abandon enregistré : %(object)s"),
                "adaptation.sheet_created": _("Fiche d'adaptation ouverte : %(object)s"),
                "adaptation.sheet_updated": _("Fiche d'adaptation modifiée : %(object)s"),
                "adaptation.measure_added": _("Mesure d'adaptation ajoutée : %(object)s"),
                "adaptation.measure_updated": _("Mesure d'adaptation modifiée : %(object)s"),
                "adaptation.measure_attested": _("Mise en œuvre attestée : %(object)s"),
            }
        )
        from parcours.core.signals import register as register_signal
        from parcours.learners.signals import PROVIDER

        register_signal(PROVIDER)
        from parcours.learners import panels

        panels.register()
