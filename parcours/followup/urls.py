from django.urls import path

from parcours.followup import views

app_name = "followup"
urlpatterns = [
    path("suivi/", views.dashboard, name="dashboard"),
    path("suivi/dossiers/", views.case_list, name="case_list"),
    path("suivi/dossiers/<int:pk>/", views.case_detail, name="case_detail"),
    path("suivi/dossiers/<int:pk>/reattribuer/", views.case_reassign, name="case_reassign"),
    path("suivi/dossiers/<int:pk>/clore/", views.case_close, name="case_close"),
    path("suivi/etapes/<int:pk>/fait/", views.step_done, name="step_done"),
    path("suivi/inscriptions/<int:pk>/ouvrir/", views.case_open, name="case_open"),
    path("procedure/", views.procedure, name="procedure"),
    path("procedure/procedure.pdf", views.procedure_pdf, name="procedure_pdf"),
    path("procedure/brouillon/", views.draft_start, name="draft_start"),
    path("procedure/versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("procedure/versions/<int:pk>/note/", views.version_note, name="version_note"),
    path("procedure/versions/<int:pk>/declencheurs/", views.trigger_add, name="trigger_add"),
    path("procedure/versions/<int:pk>/valider/", views.version_validate, name="version_validate"),
    path("procedure/versions/<int:pk>/abandonner/", views.version_discard, name="version_discard"),
    path("procedure/versions/<int:pk>/procedure.pdf", views.version_pdf, name="version_pdf"),
    path("procedure/declencheurs/<int:pk>/", views.trigger_edit, name="trigger_edit"),
    path("procedure/declencheurs/<int:pk>/supprimer/", views.trigger_delete, name="trigger_delete"),
]
