"""Ops view of rulesets. Versions are immutable history: they are read-only here; a change is a new version
saved through routing.services.ruleset_save (the editor page or `POST /api/v1/rules`)."""

from django.contrib import admin

from .models import Rule, Ruleset, RulesetVersion
from .services import ruleset_archive


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RuleInline(ReadOnlyInline):
    model = Rule
    fields = [
        "position",
        "public_id",
        "name",
        "condition",
        "conditions",
        "targets",
        "distribution",
        "tier",
        "priority",
        "is_active",
    ]
    readonly_fields = fields


class VersionInline(ReadOnlyInline):
    model = RulesetVersion
    fields = ["number", "name", "fallback_target_id", "created_at"]
    readonly_fields = fields
    ordering = ["-number"]


@admin.register(Ruleset)
class RulesetAdmin(admin.ModelAdmin):
    list_display = ["slug", "public_id", "org", "current_version", "is_default", "archived_at", "updated_at"]
    list_filter = ["is_default", ("archived_at", admin.EmptyFieldListFilter), "org"]
    search_fields = ["slug", "public_id"]
    list_select_related = ["org", "current_version"]
    readonly_fields = [
        "public_id",
        "slug",
        "org",
        "current_version",
        "archived_at",
        "created_at",
        "updated_at",
    ]
    fields = [
        "public_id",
        "slug",
        "org",
        "current_version",
        "is_default",
        "archived_at",
        "created_at",
        "updated_at",
    ]
    inlines = [VersionInline]
    actions = ["archive"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Archive selected rulesets")
    def archive(self, request, queryset):
        for ruleset in queryset:
            ruleset_archive(ruleset=ruleset)
        self.message_user(request, f"{queryset.count()} rulesets archived.")


@admin.register(RulesetVersion)
class RulesetVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "ruleset", "number", "name", "fallback_target_id", "created_at"]
    list_filter = ["ruleset__org"]
    search_fields = ["ruleset__slug", "name"]
    list_select_related = ["ruleset"]
    readonly_fields = ["ruleset", "number", "name", "description", "fallback_target_id", "created_at"]
    inlines = [RuleInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
