from django.urls import path

from parcours.programmes import views

app_name = "programmes"
urlpatterns = [
    path("formations/", views.programme_list, name="programme_list"),
    path("formations/nouvelle/", views.programme_create, name="programme_create"),
    path("formations/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("formations/<int:pk>/modifier/", views.programme_edit, name="programme_edit"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/nouvelle/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/seances/nouvelle/", views.slot_create, name="slot_create"),
    path("sessions/<int:pk>/seances/<int:slot_pk>/modifier/", views.slot_edit, name="slot_edit"),
    path(
        "sessions/<int:pk>/seances/<int:slot_pk>/supprimer/",
        views.slot_delete,
        name="slot_delete",
    ),
]
