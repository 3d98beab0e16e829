from django.contrib import admin

from .models import Rep, RepStatus, Team
from .services import rep_deactivate, rep_update


@admin.register(Rep)
class RepAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "name",
        "email",
        "org",
        "status",
        "open_leads",
        "max_open_leads",
        "weight",
        "is_active",
    ]
    list_filter = ["status", "is_active", "org"]
    search_fields = ["public_id", "name", "email"]
    readonly_fields = ["open_leads", "created_at", "updated_at"]
    list_select_related = ["org"]
    actions = ["set_away", "set_available", "deactivate"]

    @admin.action(description="Set selected reps away")
    def set_away(self, request, queryset):
        for rep in queryset:
            rep_update(rep=rep, data={"status": RepStatus.AWAY, "away_until": None})
        self.message_user(request, f"{queryset.count()} reps set away.")

    @admin.action(description="Set selected reps available")
    def set_available(self, request, queryset):
        for rep in queryset:
            rep_update(rep=rep, data={"status": RepStatus.AVAILABLE, "away_until": None})
        self.message_user(request, f"{queryset.count()} reps set available.")

    @admin.action(description="Deactivate selected reps")
    def deactivate(self, request, queryset):
        for rep in queryset:
            rep_deactivate(rep=rep)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["public_id", "name", "org", "is_active"]
    list_filter = ["is_active", "org"]
    search_fields = ["public_id", "name"]
    filter_horizontal = ["members"]
