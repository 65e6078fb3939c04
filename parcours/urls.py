from django.contrib import admin
from django.urls import include, path

from parcours.core.admin import restrict_admin_to_superusers

restrict_admin_to_superusers(admin.site)

urlpatterns = [
    path("", include("parcours.core.urls")),
    path("", include("parcours.programmes.urls")),
    path("", include("parcours.learners.urls")),
    path("", include("parcours.attendance.urls")),
    path("", include("parcours.attendance.signing.urls")),
    path("", include("parcours.activity.urls")),
    path("", include("parcours.engagement.urls")),
    path("", include("parcours.messaging.urls")),
    path("", include("parcours.followup.urls")),
    path("", include("parcours.feedback.urls")),
    path("", include("parcours.safeguarding.urls")),
    path("", include("parcours.improvement.urls")),
    path("", include("parcours.audit.urls")),
    path("", include("parcours.portal.urls")),
    path("api/v1/", include("parcours.api.urls")),
    path("admin/", admin.site.urls),
]
