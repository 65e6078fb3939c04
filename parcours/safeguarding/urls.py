from django.urls import path

from parcours.safeguarding import views

app_name = "safeguarding"
urlpatterns = [
    # Reporting: the learner portal, the follow-up code, the public link per organisation.
    path("signalement/suivi/", views.follow_up, name="follow_up"),
    path("signalement/suivi/ajouter/", views.follow_up_add, name="follow_up_add"),
    path("signalement/<slug:slug>/", views.public_report, name="public_report"),
    path("signalement/<slug:slug>/procedure/", views.public_procedure, name="public_procedure"),
    path(
        "signalement/<slug:slug>/procedure.pdf",
        views.public_procedure_pdf,
        name="public_procedure_pdf",
    ),
    # Handling: designated handlers only.
    path("signalements/", views.report_list, name="report_list"),
    path("signalements/<int:pk>/", views.report_detail, name="report_detail"),
    path("signalements/<int:pk>/statut/", views.report_advance, name="report_advance"),
    path("signalements/<int:pk>/mesures/", views.report_measure, name="report_measure"),
    path("signalements/<int:pk>/notes/", views.report_note, name="report_note"),
    path("signalements/<int:pk>/messages/", views.report_message, name="report_message"),
    path("signalements/<int:pk>/fiche.pdf", views.report_pdf, name="report_pdf"),
    # Direction designates the handlers; the anonymised register for evidence.
    path("signalements/referents/", views.handlers, name="handlers"),
    path("signalements/referents/<int:pk>/fin/", views.handler_end, name="handler_end"),
    path("signalements/registre/", views.register, name="register"),
    # The prevention procedure, read by every member, edited by the référent qualité.
    path("prevention-violences/", views.procedure, name="procedure"),
    path("prevention-violences/procedure.pdf", views.procedure_pdf, name="procedure_pdf"),
    path(
        "prevention-violences/v<int:number>/procedure.pdf",
        views.procedure_pdf,
        name="procedure_version_pdf",
    ),
    path("prevention-violences/modifier/", views.procedure_edit, name="procedure_edit"),
]
