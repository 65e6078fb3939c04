from django.urls import include, path

from parcours.feedback import editor_views, trend_views, views

app_name = "feedback"

urlpatterns = [
    path("questionnaires/", views.index, name="index"),
    path("questionnaires/campagnes/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("questionnaires/campagnes/<int:pk>/tri/", views.triage_view, name="triage"),
    path("questionnaires/resultats/", views.results, name="results"),
    path("questionnaires/resultats/export.xlsx", views.results_xlsx, name="results_xlsx"),
    path("questionnaires/tendances/", trend_views.trends_page, name="trends"),
    path("questionnaires/tendances/export.xlsx", trend_views.trends_xlsx, name="trends_xlsx"),
    path("questionnaires/tendances/synthese.pdf", trend_views.trends_pdf, name="trends_pdf"),
    path("questionnaires/sessions/<int:pk>/", views.session_results, name="session_results"),
    path("questionnaires/sessions/<int:pk>/synthese.pdf", views.session_pdf, name="session_pdf"),
    path("questionnaires/sessions/<int:pk>/partager/", views.session_share, name="session_share"),
    path("questionnaires/couverture/", views.coverage, name="coverage"),
    path("questionnaires/modeles/<int:pk>/apercu/", views.questionnaire_preview, name="preview"),
    path(
        "questionnaires/modeles/nouveau/", editor_views.questionnaire_new, name="questionnaire_new"
    ),
    path(
        "questionnaires/modeles/<int:pk>/",
        editor_views.questionnaire_edit,
        name="questionnaire_edit",
    ),
    path(
        "questionnaires/modeles/<int:pk>/nouvelle-version/",
        editor_views.version_draft,
        name="version_draft",
    ),
    path("questionnaires/modeles/<int:pk>/publier/", editor_views.version_publish, name="publish"),
    path("questionnaires/modeles/<int:pk>/introduction/", editor_views.version_intro, name="intro"),
    path("questionnaires/modeles/<int:pk>/questions/", editor_views.item_add, name="item_add"),
    path(
        "questionnaires/modeles/<int:pk>/questions/<int:item_pk>/",
        editor_views.item_change,
        name="item_change",
    ),
    path("questionnaires/reglages/", views.settings_page, name="settings"),
    path("q/<str:token>/", views.answer, name="answer"),
    path("", include("parcours.feedback.complaints.urls")),
]
