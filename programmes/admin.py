from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from programmes.models import AuditEntry, Membership, Programme, User, Workspace


@admin.register(User)
class AppUserAdmin(UserAdmin):
    pass


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    inlines = [MembershipInline]
    search_fields = ["name"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "workspace", "status"]
    list_filter = ["status", "workspace"]
    fields = ["workspace", "organisation", "title", "language", "status"]
    readonly_fields = ["workspace"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "role", "programme_id", "action", "object_type"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
