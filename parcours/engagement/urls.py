from django.urls import path

from parcours.engagement import views

app_name = "engagement"
urlpatterns = [
    path("risque/", views.risk_list, name="risk_list"),
    path("risque/export.csv", views.risk_export, name="risk_export"),
    path("risque/export.xlsx", views.risk_export, {"fmt": "xlsx"}, name="risk_export_xlsx"),
    path("risque/calculer/", views.risk_run, name="risk_run"),
    path("risque/seuils/", views.thresholds, name="thresholds"),
    path("risque/seuils/calibrer/", views.calibrate_run, name="calibrate_run"),
]
