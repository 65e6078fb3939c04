from django.urls import path

from parcours.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/preparation/", views.readiness_page, name="readiness"),
    path("audit/audits-blancs/", views.mock_list, name="mock_list"),
    path("audit/audits-blancs/<int:pk>/", views.mock_detail, name="mock_detail"),
    path("audit/audits-blancs/<int:pk>/rapport.pdf", views.mock_pdf, name="mock_pdf"),
    path("audit/constats/<int:pk>/action/", views.finding_action, name="finding_action"),
]
