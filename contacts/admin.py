from django.contrib import admin

from .models import Activity, Contact


class ActivityInline(admin.TabularInline):
    model = Activity
    fields = ["public_id", "type", "outcome", "occurred_at", "rep", "lead", "duration_seconds", "notes"]
    readonly_fields = ["public_id"]
    raw_id_fields = ["rep", "lead"]
    ordering = ["-occurred_at", "-pk"]
    extra = 0
    show_change_link = True


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "email",
        "first_name",
        "last_name",
        "company",
        "external_id",
        "org",
        "updated_at",
    ]
    list_filter = ["org"]
    search_fields = ["public_id", "external_id", "email", "first_name", "last_name", "company"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [ActivityInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["public_id", "type", "outcome", "contact", "rep", "lead", "occurred_at", "org"]
    list_filter = ["type", "outcome", "org"]
    search_fields = ["public_id", "contact__email", "contact__company", "notes"]
    raw_id_fields = ["contact", "rep", "lead"]
    readonly_fields = ["public_id", "created_at"]
    date_hierarchy = "occurred_at"
    list_select_related = ["contact", "rep", "lead", "org"]
