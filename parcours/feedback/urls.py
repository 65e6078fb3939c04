from django.urls import include, path

from parcours.feedback import views

app_name = "feedback"

urlpatterns = [
    path("questionnaires/", views.index, name="index"),
    path("questionnaires/campagnes/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("questionnaires/campagnes/<int:pk>/tri/", views.triage_view, name="triage"),
    path("questionnaires/resultats/", views.results, name="results"),
    path("questionnaires/resultats/export.xlsx", views.results_xlsx, name="results_xlsx"),
    path("questionnaires/sessions/<int:pk>/", views.session_results, name="session_results"),
    path("questionnaires/sessions/<int:pk>/synthese.pdf", views.session_pdf, name="session_pdf"),
    path("questionnaires/sessions/<int:pk>/partager/", views.session_share, name="session_share"),
    path("questionnaires/couverture/", views.coverage, name="coverage"),
    path("questionnaires/modeles/<int:pk>/apercu/", views.questionnaire_preview, name="preview"),
    path("questionnaires/reglages/", views.settings_page, name="settings"),
    path("q/<str:token>/", views.answer, name="answer"),
    path("", include("parcours.feedback.complaints.urls")),
]
