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
]
