from django.contrib import admin
from django.urls import include, path

from parcours.core.admin import restrict_admin_to_superusers

restrict_admin_to_superusers(admin.site)

urlpatterns = [
    path("", include("parcours.core.urls")),
    path("", include("parcours.programmes.urls")),
    path("", include("parcours.learners.urls")),
    path("admin/", admin.site.urls),
]
