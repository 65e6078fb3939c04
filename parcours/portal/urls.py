"""« Mon espace », the learner's portal (the signing pages are in attendance)."""

from django.urls import path

from parcours.portal import views

app_name = "portal"
urlpatterns = [
    path("mon-espace/", views.home, name="home"),
    path("mon-espace/adaptations/", views.adaptations, name="adaptations"),
    path("mon-espace/signalement/", views.report, name="report"),
]
