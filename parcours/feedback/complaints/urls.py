from django.urls import path

from parcours.feedback.complaints import views

app_name = "complaints"

urlpatterns = [
    path("reclamation/suivi/", views.follow_up, name="follow_up"),
    path("reclamation/<slug:slug>/", views.public_form, name="public_form"),
    path("reclamation/<slug:slug>/procedure/", views.public_procedure, name="public_procedure"),
    path(
        "reclamation/<slug:slug>/procedure.pdf",
        views.public_procedure_pdf,
        name="public_procedure_pdf",
    ),
    path("reclamations/", views.register, name="register"),
    path("reclamations/nouvelle/", views.new, name="new"),
    path("reclamations/delais/", views.deadlines, name="deadlines"),
    path("reclamations/statistiques/", views.statistics, name="statistics"),
    path("reclamations/procedure/", views.procedure, name="procedure"),
    path("reclamations/procedure/modifier/", views.procedure_edit, name="procedure_edit"),
    path("reclamations/procedure/valider/", views.procedure_publish, name="procedure_publish"),
    path("reclamations/procedure/abandonner/", views.procedure_discard, name="procedure_discard"),
    path("reclamations/procedure.pdf", views.procedure_pdf, name="procedure_pdf"),
    path(
        "reclamations/procedure/v<int:number>.pdf",
        views.procedure_pdf,
        name="procedure_version_pdf",
    ),
    path("reclamations/tableau-de-suivi.xlsx", views.table_xlsx, name="table_xlsx"),
    path("reclamations/tableau-de-suivi.pdf", views.table_pdf, name="table_pdf"),
    path("reclamations/<int:pk>/", views.detail, name="detail"),
    path("reclamations/<int:pk>/<slug:action>/", views.transition, name="transition"),
    path("mes-reclamations/", views.own_list, name="own_list"),
    path("mes-reclamations/nouvelle/", views.own_form, name="own_form"),
]
