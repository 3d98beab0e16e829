from django import forms

from reps.selectors import rep_list
from routeswit.orgs.models import Organization

from .models import ActivityType, Outcome


class ActivityForm(forms.Form):
    type = forms.ChoiceField(choices=ActivityType.choices, initial=ActivityType.CALL)
    outcome = forms.ChoiceField(choices=[("", "—")] + Outcome.choices, required=False)
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Empty: now.",
    )
    rep_id = forms.ChoiceField(label="Rep", required=False)
    lead_id = forms.ChoiceField(label="Lead", required=False, help_text="Empty: the contact's open lead.")
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=0, max_value=24 * 60, required=False
    )
    notes = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, org: Organization, leads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep_id"].choices = [("", "—")] + [
            (r.public_id, r.name) for r in rep_list(org=org).order_by("name")
        ]
        self.fields["lead_id"].choices = [("", "—")] + [(lead.public_id, lead.lead_id) for lead in leads]

    def service_data(self) -> dict:
        data = self.cleaned_data
        minutes = data.get("duration_minutes")
        return {
            "type": data["type"],
            "outcome": data["outcome"] or None,
            "occurred_at": data["occurred_at"],
            "rep_id": data["rep_id"] or None,
            "lead_id": data["lead_id"] or None,
            "duration_seconds": minutes * 60 if minutes is not None else None,
            "notes": data["notes"],
        }
