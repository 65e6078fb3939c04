from django.urls import path

from parcours.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.space, name="space"),
    path("audit/referentiel/", views.framework_page, name="framework"),
    path("audit/dossiers/", views.packs, name="packs"),
    path("audit/dossiers/<int:pk>/", views.pack_detail, name="pack"),
    path("audit/dossiers/<int:pk>/telecharger/", views.pack_download, name="pack_download"),
    path("audit/auditeurs/", views.auditors, name="auditors"),
    path("audit/auditeurs/<int:pk>/revoquer/", views.auditor_revoke, name="auditor_revoke"),
]
