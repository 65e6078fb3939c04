from django.urls import path

from parcours.programmes import views

app_name = "programmes"
urlpatterns = [
    path("formations/", views.programme_list, name="programme_list"),
    path("sessions/", views.session_list, name="session_list"),
]
