from django.urls import path

from parcours.audit import views, views_mock

app_name = "audit"

urlpatterns = [
    path("audit/", views.space, name="space"),
    path("audit/referentiel/", views.framework_page, name="framework"),
    path("audit/dossiers/", views.packs, name="packs"),
    path("audit/dossiers/<int:pk>/", views.pack_detail, name="pack"),
    path("audit/dossiers/<int:pk>/telecharger/", views.pack_download, name="pack_download"),
    path("audit/auditeurs/", views.auditors, name="auditors"),
    path("audit/auditeurs/<int:pk>/revoquer/", views.auditor_revoke, name="auditor_revoke"),
    # Readiness and mock audits (h6)
    path("audit/preparation/", views_mock.readiness_page, name="readiness"),
    path("audit/audits-blancs/", views_mock.mock_list, name="mock_list"),
    path("audit/audits-blancs/<int:pk>/", views_mock.mock_detail, name="mock_detail"),
    path("audit/audits-blancs/<int:pk>/rapport.pdf", views_mock.mock_pdf, name="mock_pdf"),
    path("audit/constats/<int:pk>/action/", views_mock.finding_action, name="finding_action"),
]
