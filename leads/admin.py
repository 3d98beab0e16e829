"""Ops view of leads: searchable and filterable, read-only (routing history must not be edited by hand);
status changes and re-routes go through leads.services."""

from django.contrib import admin, messages

from routeswit.api.errors import ApiError

from .models import Assignment, Lead
from .services import lead_reroute


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    can_delete = False
    fields = ["attempt", "rep", "rule_name", "reason", "tier", "assigned_at", "note", "notified_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["lead_id", "public_id", "org", "status", "rep", "ruleset", "attempts", "created_at"]
    list_filter = ["status", "org", "ruleset"]
    search_fields = ["lead_id", "public_id", "contact__email", "rep__email"]
    list_select_related = ["org", "rep", "ruleset"]
    date_hierarchy = "created_at"
    inlines = [AssignmentInline]
    actions = ["reroute"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Lead._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Re-route selected leads (excluding every earlier rep)")
    def reroute(self, request, queryset):
        done = 0
        for lead in queryset:
            try:
                lead_reroute(lead=lead, reason="re-routed from the admin")
                done += 1
            except ApiError as exc:
                self.message_user(request, f"{lead.lead_id}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{done} leads re-routed.")
