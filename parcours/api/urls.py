from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import DefaultRouter

from parcours.api import feedback, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("sessions", views.SessionViewSet, basename="session")
router.register("learners", views.LearnerViewSet, basename="learner")
router.register("enrolments", views.EnrolmentViewSet, basename="enrolment")
router.register("attendance", views.AttendanceViewSet, basename="attendance")

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("feedback/campaigns/", feedback.CampaignList.as_view(), name="feedback_campaigns"),
    path(
        "feedback/campaigns/<int:pk>/results/",
        feedback.CampaignResults.as_view(),
        name="feedback_campaign_results",
    ),
    path("feedback/results/", feedback.Results.as_view(), name="feedback_results"),
    *router.urls,
]
