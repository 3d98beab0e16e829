"""Forms of the rep and team pages; the shape rules are reps.validation's, shared with the API."""

import zoneinfo

from django import forms

from routeswit.orgs.models import Organization

from .api import MAX_CAP
from .models import RepStatus
from .selectors import rep_list, team_list
from .validation import DAYS, timezone_errors, working_hours_errors

RANGES_PER_DAY = 2
DAY_LABELS = dict(
    zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)


def _time_field():
    return forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class RepForm(forms.Form):
    id = forms.CharField(
        label="Id", max_length=80, required=False, help_text="Optional: rep_ plus letters, digits, _ or -."
    )
    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    status = forms.ChoiceField(choices=RepStatus.choices, initial=RepStatus.AVAILABLE)
    away_until = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="An away rep is available again after this (your timezone).",
    )
    max_open_leads = forms.IntegerField(
        min_value=0, max_value=MAX_CAP, required=False, help_text="Empty: no cap."
    )
    max_leads_per_day = forms.IntegerField(
        min_value=0, max_value=MAX_CAP, required=False, help_text="Empty: no cap."
    )
    weight = forms.IntegerField(min_value=1, max_value=100, initial=1, help_text="For weighted distribution.")
    timezone = forms.ChoiceField(initial="UTC", help_text="Working hours are in this timezone.")
    teams = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    always_available = forms.BooleanField(
        required=False, initial=True, label="No working hours: available at any time"
    )

    def __init__(self, *args, org: Organization, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(z, z) for z in sorted(zoneinfo.available_timezones())]
        self.fields["teams"].choices = [(t.public_id, t.name) for t in team_list(org=org).order_by("name")]
        if editing:
            del self.fields["id"]
        for day in DAYS:
            for n in range(RANGES_PER_DAY):
                self.fields[f"{day}_{n}_start"] = _time_field()
                self.fields[f"{day}_{n}_end"] = _time_field()

    def hours_rows(self):
        """(label, [(start field, end field), …]) per day, for the template."""
        return [
            (
                DAY_LABELS[day],
                [(self[f"{day}_{n}_start"], self[f"{day}_{n}_end"]) for n in range(RANGES_PER_DAY)],
            )
            for day in DAYS
        ]

    def clean_timezone(self):
        value = self.cleaned_data["timezone"]
        errors = timezone_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("always_available"):
            cleaned["working_hours"] = None
            return cleaned
        hours = {}
        for day in DAYS:
            for n in range(RANGES_PER_DAY):
                start, end = cleaned.get(f"{day}_{n}_start"), cleaned.get(f"{day}_{n}_end")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(f"{day}_{n}_start", "Give both a start and an end.")
                    continue
                end_text = "24:00" if end.strftime("%H:%M") == "00:00" else end.strftime("%H:%M")
                hours.setdefault(day, []).append([start.strftime("%H:%M"), end_text])
        for key, message in working_hours_errors(hours).items():
            day, _, index = key.partition("[")
            self.add_error(f"{day}_{index.rstrip(']') or 0}_start" if day in DAYS else None, message)
        cleaned["working_hours"] = hours
        return cleaned

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k in _REP_KEYS}
        if not data.get("id"):
            data.pop("id", None)
        if data.get("status") != RepStatus.AWAY:
            data["away_until"] = None
        return data


_REP_KEYS = (
    "id",
    "name",
    "email",
    "status",
    "away_until",
    "max_open_leads",
    "max_leads_per_day",
    "weight",
    "timezone",
    "teams",
    "working_hours",
)


def rep_initial(rep) -> dict:
    initial = {
        "name": rep.name,
        "email": rep.email,
        "status": rep.status,
        "away_until": rep.away_until,
        "max_open_leads": rep.max_open_leads,
        "max_leads_per_day": rep.max_leads_per_day,
        "weight": rep.weight,
        "timezone": rep.timezone,
        "teams": [t.public_id for t in rep.teams.all() if t.is_active],
        "always_available": rep.working_hours is None,
    }
    for day, ranges in (rep.working_hours or {}).items():
        for n, (start, end) in enumerate(ranges[:RANGES_PER_DAY]):
            initial[f"{day}_{n}_start"] = start
            initial[f"{day}_{n}_end"] = "00:00" if end == "24:00" else end
    return initial


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=RepStatus.choices)
    away_until = forms.DateTimeField(required=False)


class TeamForm(forms.Form):
    id = forms.CharField(
        label="Id", max_length=80, required=False, help_text="Optional: team_ plus letters, digits, _ or -."
    )
    name = forms.CharField(max_length=200)
    members = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, org: Organization, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(r.public_id, r.name) for r in rep_list(org=org).order_by("name")]
        if editing:
            del self.fields["id"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("id"):
            data.pop("id", None)
        return data
