from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from parcours.core import views, views_imports

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "mot-de-passe/oubli/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/change/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("imports/", views_imports.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/erreurs.csv", views_imports.import_errors, name="import_errors"),
    path(
        "imports/<int:pk>/erreurs.xlsx",
        views_imports.import_errors,
        {"fmt": "xlsx"},
        name="import_errors_xlsx",
    ),
    path(
        "imports/modeles/<slug:kind>.csv",
        views_imports.import_template,
        name="import_template",
    ),
    path(
        "imports/modeles/<slug:kind>.xlsx",
        views_imports.import_template,
        {"fmt": "xlsx"},
        name="import_template_xlsx",
    ),
    path("journal/", views.journal_list, name="journal"),
    path("taches/<int:pk>/", views.job_detail, name="job_detail"),
    path("taches/<int:pk>/etat/", views.job_status, name="job_status"),
]
