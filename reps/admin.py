from django.contrib import admin

from .models import Rep, Team
from .services import rep_deactivate


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
    actions = ["deactivate"]

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
