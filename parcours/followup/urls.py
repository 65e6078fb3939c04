from django.urls import path

from parcours.followup import tutor_views
from parcours.followup.views import cases, dropouts, interactions, liaison, procedure

app_name = "followup"
urlpatterns = [
    path("suivi/", cases.dashboard, name="dashboard"),
    path("suivi/dossiers/", cases.case_list, name="case_list"),
    path("suivi/dossiers/<int:pk>/", cases.case_detail, name="case_detail"),
    path("suivi/dossiers/<int:pk>/reattribuer/", cases.case_reassign, name="case_reassign"),
    path("suivi/dossiers/<int:pk>/clore/", cases.case_close, name="case_close"),
    path("suivi/dossiers/<int:pk>/appels/", interactions.call_log, name="call_log"),
    path("suivi/dossiers/<int:pk>/mesures/", interactions.measure_add, name="measure_add"),
    path(
        "suivi/dossiers/<int:pk>/rendez-vous/",
        interactions.meeting_schedule,
        name="meeting_schedule",
    ),
    path("suivi/rendez-vous/<int:pk>/", interactions.meeting_detail, name="meeting_detail"),
    path(
        "suivi/rendez-vous/<int:pk>/compte-rendu/",
        interactions.meeting_report,
        name="meeting_report",
    ),
    path(
        "suivi/rendez-vous/<int:pk>/deplacer/",
        interactions.meeting_reschedule,
        name="meeting_reschedule",
    ),
    path("suivi/rendez-vous/<int:pk>/annuler/", interactions.meeting_cancel, name="meeting_cancel"),
    path("suivi/etapes/<int:pk>/fait/", cases.step_done, name="step_done"),
    path("suivi/inscriptions/<int:pk>/", liaison.enrolment_followup, name="enrolment_followup"),
    path("suivi/inscriptions/<int:pk>/ouvrir/", cases.case_open, name="case_open"),
    path(
        "suivi/inscriptions/<int:pk>/lien-tuteur/", liaison.tutor_link_send, name="tutor_link_send"
    ),
    path("suivi/inscriptions/<int:pk>/abandon/", dropouts.dropout_record, name="dropout_record"),
    path("suivi/fiches-de-liaison/<int:pk>/", liaison.liaison_sheet, name="liaison_sheet"),
    path("suivi/abandons/", dropouts.dropout_stats, name="dropout_stats"),
    # The tutor's own space (with an account) and their apprentices' liaison sheets.
    path("tuteur/", tutor_views.tutor_home, name="tutor_home"),
    path("tuteur/apprentis/<int:pk>/fiche/", tutor_views.tutor_sheet_form, name="tutor_sheet_form"),
    # The tutor's personal link (no account).
    path("liaison/<str:token>/", liaison.tutor_sheet, name="tutor_sheet"),
    path("procedure/", procedure.procedure, name="procedure"),
    path("procedure/procedure.pdf", procedure.procedure_pdf, name="procedure_pdf"),
    path("procedure/brouillon/", procedure.draft_start, name="draft_start"),
    path("procedure/versions/<int:pk>/", procedure.version_detail, name="version_detail"),
    path("procedure/versions/<int:pk>/note/", procedure.version_note, name="version_note"),
    path("procedure/versions/<int:pk>/declencheurs/", procedure.trigger_add, name="trigger_add"),
    path(
        "procedure/versions/<int:pk>/valider/", procedure.version_validate, name="version_validate"
    ),
    path(
        "procedure/versions/<int:pk>/abandonner/", procedure.version_discard, name="version_discard"
    ),
    path("procedure/versions/<int:pk>/procedure.pdf", procedure.version_pdf, name="version_pdf"),
    path("procedure/declencheurs/<int:pk>/", procedure.trigger_edit, name="trigger_edit"),
    path(
        "procedure/declencheurs/<int:pk>/supprimer/",
        procedure.trigger_delete,
        name="trigger_delete",
    ),
]
