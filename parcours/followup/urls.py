from django.urls import path

from parcours.followup import tutor_views, views

app_name = "followup"
urlpatterns = [
    path("suivi/", views.dashboard, name="dashboard"),
    path("suivi/dossiers/", views.case_list, name="case_list"),
    path("suivi/dossiers/<int:pk>/", views.case_detail, name="case_detail"),
    path("suivi/dossiers/<int:pk>/reattribuer/", views.case_reassign, name="case_reassign"),
    path("suivi/dossiers/<int:pk>/clore/", views.case_close, name="case_close"),
    path("suivi/dossiers/<int:pk>/appels/", views.call_log, name="call_log"),
    path("suivi/dossiers/<int:pk>/mesures/", views.measure_add, name="measure_add"),
    path("suivi/dossiers/<int:pk>/rendez-vous/", views.meeting_schedule, name="meeting_schedule"),
    path("suivi/rendez-vous/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("suivi/rendez-vous/<int:pk>/compte-rendu/", views.meeting_report, name="meeting_report"),
    path(
        "suivi/rendez-vous/<int:pk>/deplacer/", views.meeting_reschedule, name="meeting_reschedule"
    ),
    path("suivi/rendez-vous/<int:pk>/annuler/", views.meeting_cancel, name="meeting_cancel"),
    path("suivi/etapes/<int:pk>/fait/", views.step_done, name="step_done"),
    path("suivi/inscriptions/<int:pk>/", views.enrolment_followup, name="enrolment_followup"),
    path("suivi/inscriptions/<int:pk>/ouvrir/", views.case_open, name="case_open"),
    path("suivi/inscriptions/<int:pk>/lien-tuteur/", views.tutor_link_send, name="tutor_link_send"),
    path("suivi/inscriptions/<int:pk>/abandon/", views.dropout_record, name="dropout_record"),
    path("suivi/fiches-de-liaison/<int:pk>/", views.liaison_sheet, name="liaison_sheet"),
    path("suivi/abandons/", views.dropout_stats, name="dropout_stats"),
    # The tutor's own space (with an account) and their apprentices' liaison sheets.
    path("tuteur/", tutor_views.tutor_home, name="tutor_home"),
    path("tuteur/apprentis/<int:pk>/fiche/", tutor_views.tutor_sheet_form, name="tutor_sheet_form"),
    # The tutor's personal link (no account).
    path("liaison/<str:token>/", views.tutor_sheet, name="tutor_sheet"),
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
