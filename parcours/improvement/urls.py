from django.urls import include, path

from parcours.improvement import views

app_name = "improvement"

urlpatterns: list = [
    # Improvement actions (h3)
    path("amelioration/", views.overview, name="overview"),
    path("amelioration/actions/", views.action_list, name="list"),
    path("amelioration/actions/nouvelle/", views.action_new, name="new"),
    path("amelioration/actions/tableau-de-suivi.xlsx", views.table_xlsx, name="table_xlsx"),
    path("amelioration/actions/tableau-de-suivi.pdf", views.table_pdf, name="table_pdf"),
    path("amelioration/rapport.pdf", views.report_pdf, name="report_pdf"),
    path("amelioration/actions/<int:pk>/", views.action_detail, name="detail"),
    path("amelioration/actions/<int:pk>/modifier/", views.action_edit, name="edit"),
    path("amelioration/actions/<int:pk>/<slug:step>/", views.action_step, name="step"),
    path("amelioration/suggestions/", views.suggestion_list, name="suggestions"),
    path(
        "amelioration/suggestions/calculer/", views.suggestion_compute, name="suggestions_compute"
    ),
    path(
        "amelioration/suggestions/<int:pk>/<slug:decision>/",
        views.suggestion_decide,
        name="suggestion_decide",
    ),
    # h4: the quality reviews and the risk register.
    path("", include("parcours.improvement.reviews.urls")),
    path("", include("parcours.improvement.risks.urls")),
]
