from django.urls import path

from parcours.activity import views

app_name = "activity"
urlpatterns = [
    path("xapi/statements", views.statements, name="xapi_statements"),
    path("xapi/about", views.about, name="xapi_about"),
    path("activite/xapi/cles/", views.credential_list, name="credential_list"),
    path(
        "activite/xapi/cles/<int:pk>/revoquer/",
        views.credential_revoke,
        name="credential_revoke",
    ),
    path("activite/xapi/non-rattachees/", views.unmatched_statements, name="xapi_unmatched"),
]
