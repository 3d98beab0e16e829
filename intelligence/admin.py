from django.contrib import admin, messages

from routeswit.api.errors import ConflictError

from .models import EventStatus, SlaBreach, SlaPolicy, WebhookDelivery, WebhookEvent
from .services import webhook_event_retry


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "name",
        "org",
        "threshold_minutes",
        "ruleset",
        "on_breach",
        "business_hours",
        "is_active",
        "webhook_disabled_at",
    ]
    list_filter = ["is_active", "on_breach", "business_hours", "org"]
    search_fields = ["public_id", "name", "webhook_url"]
    # The signing secret is not a field here (editable=False): the admin never shows it.
    readonly_fields = ["public_id", "webhook_disabled_at", "deleted_at", "created_at", "updated_at"]


@admin.register(SlaBreach)
class SlaBreachAdmin(admin.ModelAdmin):
    list_display = ["public_id", "policy", "lead", "rep", "detected_at", "elapsed_seconds", "action_result"]
    list_filter = ["policy__org"]
    search_fields = ["public_id", "lead__public_id", "lead__lead_id"]
    raw_id_fields = ["policy", "lead", "rep"]
    readonly_fields = ["detected_at", "elapsed_seconds", "threshold_seconds", "action_at", "action_result"]


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ["public_id", "attempt", "requested_at", "status_code", "error", "duration_ms", "response_body"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["public_id", "type", "policy", "status", "attempts", "next_attempt_at", "created_at"]
    list_filter = ["status", "type", "org"]
    search_fields = ["public_id", "policy__public_id"]
    raw_id_fields = ["policy", "breach", "org"]
    readonly_fields = ["attempts", "locked_until", "created_at", "delivered_at"]
    inlines = [WebhookDeliveryInline]
    actions = ["retry_failed"]

    @admin.action(description="Retry the selected failed events now")
    def retry_failed(self, request, queryset):
        retried = 0
        for event in queryset.filter(status=EventStatus.FAILED):
            try:
                webhook_event_retry(event=event)
                retried += 1
            except ConflictError as exc:
                self.message_user(request, f"{event.public_id}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Queued {retried} event(s) for another attempt.")
