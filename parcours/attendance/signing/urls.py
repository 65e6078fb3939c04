"""Electronic signature (émargement) and the learner portal."""

from django.urls import path

from parcours.attendance.signing import views

app_name = "signing"
urlpatterns = [
    # The trainer's side.
    path("emargement/seance/<int:pk>/", views.slot_signing, name="slot"),
    path("emargement/seance/<int:pk>/qr.json", views.slot_qr, name="slot_qr"),
    path("emargement/seance/<int:pk>/codes/", views.slot_codes, name="slot_codes"),
    path("emargement/seance/<int:pk>/liens/", views.slot_send_links, name="slot_send_links"),
    path("emargement/seance/<int:pk>/contresigner/", views.slot_countersign, name="countersign"),
    # The learner's side.
    path("emargement/s/<int:slot_pk>/<str:token>/", views.qr_scan, name="qr_scan"),
    path("emargement/code/", views.enter_code, name="enter_code"),
    path("emargement/l/<str:token>/", views.personal_link, name="link"),
    path("emargement/signer/", views.submit_signature, name="submit"),
    path("emargement/oublier/", views.forget_device, name="forget_device"),
    # From the learner portal (parcours.portal).
    path("mon-espace/seances/<int:pk>/signer/", views.portal_sign, name="portal_sign"),
]
