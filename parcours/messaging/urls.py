from django.urls import path

from parcours.messaging import views

app_name = "messaging"
urlpatterns = [
    path("messages/modeles/", views.template_list, name="template_list"),
    path("messages/modeles/nouveau/", views.template_create, name="template_create"),
    path("messages/modeles/<int:pk>/", views.template_preview, name="template_preview"),
    path("messages/modeles/<int:pk>/modifier/", views.template_edit, name="template_edit"),
    path("messages/", views.outbox, name="outbox"),
    path("messages/<int:pk>/", views.message_detail, name="message_detail"),
    path("messages/<int:pk>/renvoyer/", views.message_resend, name="message_resend"),
    path(
        "messages/<int:pk>/pieces-jointes/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
