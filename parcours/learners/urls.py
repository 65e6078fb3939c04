from django.urls import path

from parcours.learners import views

app_name = "learners"
urlpatterns = [
    path("apprenants/", views.learner_list, name="learner_list"),
    path("apprenants/nouveau/", views.learner_create, name="learner_create"),
    path("apprenants/<int:pk>/", views.learner_detail, name="learner_detail"),
    path("apprenants/<int:pk>/modifier/", views.learner_edit, name="learner_edit"),
    path("inscriptions/", views.enrolment_list, name="enrolment_list"),
    path("inscriptions/nouvelle/", views.enrolment_create, name="enrolment_create"),
    path("inscriptions/<int:pk>/", views.enrolment_detail, name="enrolment_detail"),
    path("inscriptions/<int:pk>/modifier/", views.enrolment_edit, name="enrolment_edit"),
    path("inscriptions/<int:pk>/statut/", views.enrolment_transition, name="enrolment_transition"),
    # Disability (PSH): individual adaptation sheets.
    path("adaptations/", views.adaptation_list, name="adaptation_list"),
    path("inscriptions/<int:pk>/adaptation/", views.adaptation_create, name="adaptation_create"),
    path("adaptations/<int:pk>/", views.adaptation_detail, name="adaptation_detail"),
    path("adaptations/<int:pk>/modifier/", views.adaptation_edit, name="adaptation_edit"),
    path("adaptations/<int:pk>/mesures/nouvelle/", views.measure_create, name="measure_create"),
    path("adaptations/mesures/<int:pk>/modifier/", views.measure_edit, name="measure_edit"),
    path("adaptations/mesures/<int:pk>/attester/", views.measure_attest, name="measure_attest"),
]
