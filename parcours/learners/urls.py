from django.urls import path

from parcours.learners import views

app_name = "learners"
urlpatterns = [
    path("apprenants/", views.learner_list, name="learner_list"),
    path("inscriptions/", views.enrolment_list, name="enrolment_list"),
]
