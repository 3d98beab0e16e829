from datetime import date

from django import forms

from routeswit.orgs.models import Organization
from routing.selectors import ruleset_list

from .models import OnBreach

PERIODS = [("today", "Today"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("custom", "Custom")]


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        cleaned["period"] = cleaned.get("period") or "7"
        if cleaned["period"] == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                self.add_error("start", "Pick both dates for a custom period.")
            elif start > end:
                self.add_error("end", "The end must not be before the start.")
            elif end > date.today().replace(year=date.today().year + 1):
                self.add_error("end", "Pick a date in the next year at most.")
        return cleaned


class SlaForm(forms.Form):
    name = forms.CharField(max_length=200)
    threshold_minutes = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=4, help_text="Minutes to first response; 0.5 is allowed."
    )
    ruleset_id = forms.ChoiceField(label="Ruleset", required=False)
    webhook_url = forms.CharField(
        label="Webhook URL", max_length=2000, widget=forms.URLInput(attrs={"placeholder": "https://…"})
    )
    on_breach = forms.ChoiceField(
        choices=[
            (OnBreach.NOTIFY, "Notify (webhook only)"),
            (OnBreach.REROUTE, "Notify and re-route the lead"),
        ]
    )
    business_hours = forms.BooleanField(required=False, label="Count only the rep's working hours")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        rulesets = ruleset_list(org=org).exclude(current_version=None).order_by("slug")
        self.fields["ruleset_id"].choices = [("", "Every ruleset")] + [(r.slug, r.slug) for r in rulesets]

    def clean_threshold_minutes(self):
        value = self.cleaned_data["threshold_minutes"]
        if value <= 0:
            raise forms.ValidationError("Must be above 0.")
        return value

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["ruleset_id"] = data["ruleset_id"] or None
        return data
