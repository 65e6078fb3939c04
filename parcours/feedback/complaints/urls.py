from django.urls import path

from parcours.feedback.complaints import views

app_name = "complaints"

urlpatterns = [
    path("reclamation/suivi/", views.follow_up, name="follow_up"),
    path("reclamation/<slug:slug>/", views.public_form, name="public_form"),
    path("reclamations/", views.register, name="register"),
    path("reclamations/nouvelle/", views.new, name="new"),
    path("reclamations/delais/", views.deadlines, name="deadlines"),
    path("reclamations/tableau-de-suivi.xlsx", views.table_xlsx, name="table_xlsx"),
    path("reclamations/tableau-de-suivi.pdf", views.table_pdf, name="table_pdf"),
    path("reclamations/<int:pk>/", views.detail, name="detail"),
    path("reclamations/<int:pk>/<slug:action>/", views.transition, name="transition"),
    path("mes-reclamations/", views.own_list, name="own_list"),
    path("mes-reclamations/nouvelle/", views.own_form, name="own_form"),
]
