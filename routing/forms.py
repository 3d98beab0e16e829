"""Forms of the ruleset editor: they shape input into the `POST /rules` body; routing.services checks it."""

import json

from django import forms

from reps.selectors import rep_list, team_list
from routeswit.api.errors import ValidationFailed
from routeswit.orgs.models import Organization

from .engine import STRUCTURED_OPERATORS, coerce_query_value
from .models import Distribution

SLUG_RE = r"^[a-z0-9-]+$"
NO_VALUE_OPERATORS = ("exists", "not_exists")
LIST_OPERATORS = ("in", "not_in")


class Mode:
    ALWAYS = "always"
    EXPRESSION = "expression"
    BUILDER = "builder"
    CHOICES = [(EXPRESSION, "Expression"), (BUILDER, "Builder"), (ALWAYS, "Every lead (catch-all)")]


def target_choices(org: Organization) -> list:
    reps = [(r.public_id, f"{r.name} ({r.public_id})") for r in rep_list(org=org).order_by("name")]
    teams = [(t.public_id, f"{t.name} ({t.public_id})") for t in team_list(org=org).order_by("name")]
    return [("Reps", reps), ("Teams", teams)]


class RulesetForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.RegexField(
        SLUG_RE,
        max_length=100,
        error_messages={"invalid": "Use a-z, 0-9 and -."},
        help_text="Used in the API.",
    )
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}))
    fallback_target_id = forms.ChoiceField(
        label="Fallback", required=False, help_text="Used when no rule yields an eligible rep."
    )
    is_default = forms.BooleanField(label="Default ruleset of the organization", required=False)

    def __init__(self, *args, org: Organization, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fallback_target_id"].choices = [("", "— none: leave the lead unassigned —")] + (
            target_choices(org)
        )
        if editing:
            self.fields["slug"].disabled = True


class RuleForm(forms.Form):
    name = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs={"placeholder": "Rule name"})
    )
    mode = forms.ChoiceField(choices=Mode.CHOICES, initial=Mode.EXPRESSION, widget=forms.RadioSelect)
    condition = forms.CharField(
        required=False,
        max_length=10_000,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "class": "code",
                "spellcheck": "false",
                "placeholder": "attributes.country == 'UK'",
            }
        ),
    )
    targets = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    instructions = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Call within 5 min"}),
    )
    distribution = forms.ChoiceField(choices=Distribution.choices, initial=Distribution.ROUND_ROBIN)
    tier = forms.IntegerField(min_value=1, max_value=1000, initial=1)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = target_choices(org)

    def builder_rows(self) -> list[dict]:
        """The structured conditions as rows of text, from the posted lists or the initial rule."""
        if self.is_bound:
            fields, ops, values = (self.data.getlist(self.add_prefix(n)) for n in ("sfield", "sop", "svalue"))
            return [
                {"field": f, "operator": o, "value": v} for f, o, v in zip(fields, ops, values, strict=False)
            ]
        return [
            {
                "field": c.get("field", ""),
                "operator": c.get("operator", "eq"),
                "value": value_text(c.get("value")),
            }
            for c in self.initial.get("conditions") or []
        ]

    def clean(self):
        cleaned = super().clean()
        mode = cleaned.get("mode")
        if mode == Mode.EXPRESSION and not (cleaned.get("condition") or "").strip():
            self.add_error("condition", "Write a condition, or choose “Every lead”.")
        if mode == Mode.BUILDER:
            cleaned["conditions"] = [
                row_condition(row) for row in self.builder_rows() if row["field"].strip()
            ]
            if not cleaned["conditions"]:
                self.add_error(None, "Add at least one field/operator/value row, or choose “Every lead”.")
        return cleaned

    def rule_body(self) -> dict:
        """This rule in the `POST /rules` shape."""
        data = self.cleaned_data
        mode = data["mode"]
        return {
            "name": data["name"],
            "condition": data["condition"] if mode == Mode.EXPRESSION else None,
            "conditions": data.get("conditions") if mode == Mode.BUILDER else None,
            "targets": [
                {"target_id": t, "instructions": data["instructions"] or None} for t in data["targets"]
            ],
            "distribution": data["distribution"],
            "tier": data["tier"],
            "is_active": data["is_active"],
        }


def value_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, str):
        return value
    return "" if value is None else json.dumps(value)


def row_condition(row: dict) -> dict:
    """A builder row as a structured condition: numbers and booleans typed as in `GET /routing/evaluate`,
    lists comma-separated for in/not_in, no value for exists/not_exists."""
    operator, text = row["operator"], row["value"]
    item = {"field": row["field"].strip(), "operator": operator}
    if operator in LIST_OPERATORS:
        item["value"] = [coerce_query_value(part.strip()) for part in text.split(",") if part.strip()]
    elif operator not in NO_VALUE_OPERATORS:
        item["value"] = coerce_query_value(text)
    return item


class BaseRuleFormSet(forms.BaseFormSet):
    ordering_widget = forms.HiddenInput

    def get_ordering_widget(self):
        return forms.HiddenInput(attrs={"data-order": "1"})

    def kept_forms(self) -> list[RuleForm]:
        """The rules in the order the user arranged them, without the removed ones."""
        return list(self.ordered_forms)


RuleFormSet = forms.formset_factory(
    RuleForm, formset=BaseRuleFormSet, extra=0, can_order=True, can_delete=True, max_num=500
)


def rule_initial(rule) -> dict:
    if rule.conditions is not None:
        mode = Mode.BUILDER
    elif rule.condition is not None:
        mode = Mode.EXPRESSION
    else:
        mode = Mode.ALWAYS
    return {
        "name": rule.name,
        "mode": mode,
        "condition": rule.condition or "",
        "conditions": rule.conditions,
        "targets": [t["target_id"] for t in rule.targets],
        "instructions": next((t.get("instructions") for t in rule.targets if t.get("instructions")), ""),
        "distribution": rule.distribution,
        "tier": rule.tier,
        "is_active": rule.is_active,
    }


def editor_body(ruleset_form: RulesetForm, formset: BaseRuleFormSet) -> dict:
    data = ruleset_form.cleaned_data
    return {
        "name": data["name"],
        "slug": data["slug"],
        "description": data["description"],
        "fallback_target_id": data["fallback_target_id"] or None,
        "is_default": data["is_default"],
        "rules": [form.rule_body() for form in formset.kept_forms()],
    }


def show_service_errors(exc: ValidationFailed, ruleset_form: RulesetForm, formset: BaseRuleFormSet) -> None:
    """Put `rules[2].condition`-style errors next to the right field of the right card."""
    forms_in_order = formset.kept_forms()
    for key, messages in (exc.details or {"": [exc.message]}).items():
        for message in messages:
            _place_error(key, message, ruleset_form, forms_in_order)


def _place_error(key: str, message: str, ruleset_form: RulesetForm, rule_forms: list[RuleForm]) -> None:
    if not key.startswith("rules["):
        field = key if key in ruleset_form.fields else None
        ruleset_form.add_error(field, message if field else f"{key}: {message}" if key else message)
        return
    index_text, _, rest = key[len("rules[") :].partition("]")
    form = rule_forms[int(index_text)] if index_text.isdigit() and int(index_text) < len(rule_forms) else None
    rest = rest.lstrip(".")
    if form is None:
        ruleset_form.add_error(None, f"{key}: {message}")
    elif rest == "condition":
        form.add_error("condition", message)
    elif rest.startswith(("target", "targets")):
        form.add_error("targets", message)
    elif rest.startswith("conditions"):
        row = rest.partition("[")[2].partition("]")
        where = f"Row {int(row[0]) + 1} {row[2].lstrip('.')}: " if row[0].isdigit() else ""
        form.add_error(None, f"{where}{message}")
    else:
        form.add_error(None, f"{rest}: {message}")


class TestLeadForm(forms.Form):
    attributes_json = forms.CharField(
        label="Attributes (JSON)",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "class": "code", "placeholder": '{"country": "UK", "company_size": 500}'}
        ),
    )
    tier = forms.IntegerField(min_value=1, required=False)

    def attributes(self) -> dict:
        """The JSON object if given, else the key/value rows (values typed like query parameters)."""
        text = (self.cleaned_data.get("attributes_json") or "").strip()
        if text:
            return json.loads(text)
        keys, values = self.data.getlist("key"), self.data.getlist("value")
        return {k.strip(): coerce_query_value(v) for k, v in zip(keys, values, strict=False) if k.strip()}

    def clean_attributes_json(self):
        text = (self.cleaned_data.get("attributes_json") or "").strip()
        if text:
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise forms.ValidationError(f"Not valid JSON: {exc}") from None
            if not isinstance(value, dict):
                raise forms.ValidationError('Must be a JSON object, like {"country": "UK"}.')
        return text


class BacktestForm(forms.Form):
    limit = forms.IntegerField(min_value=1, max_value=10_000, initial=500, label="Last N leads")


OPERATOR_CHOICES = [(op, op) for op in STRUCTURED_OPERATORS]
