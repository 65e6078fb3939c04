from django.urls import path

from parcours.attendance import views

app_name = "attendance"
urlpatterns = [
    path("seances/<int:pk>/", views.slot_detail, name="slot_detail"),
    path("seances/<int:pk>/emargement.pdf", views.slot_sheet, name="slot_sheet"),
    path("sessions/<int:pk>/emargement.pdf", views.session_sheet, name="session_sheet"),
    path("sessions/<int:pk>/seances/generer/", views.schedule_generate, name="schedule_generate"),
    path("justificatifs/<int:pk>/", views.justification, name="justification"),
    path("presences/<int:pk>/desaccord/", views.settle_conflict, name="settle_conflict"),
]
