from django.contrib import admin
from django.contrib.admin import AdminSite
from django.http import HttpRequest

from parcours.core.models import Job, JournalEntry, Membership, Organisation, Site, User


def restrict_admin_to_superusers(site: AdminSite) -> None:
    """Django's admin is a technical tool: superusers only, never an organisation's staff."""

    def has_permission(request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.site_header = "Parcours · administration technique"


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "siret", "nda", "rnq_version"]
    search_fields = ["name", "slug", "siret"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "city"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "is_active", "is_superuser"]
    search_fields = ["email", "last_name"]
    exclude = ["password"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "expires_at"]
    list_filter = ["role", "organisation"]


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    list_display = [
        "chain",
        "seq",
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_repr",
    ]
    list_filter = ["action", "object_type"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["kind", "state", "attempts", "run_after", "created_at", "finished_at"]
    list_filter = ["state", "kind"]
