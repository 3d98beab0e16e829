"""Ruleset pages: list, detail with versions and diff, the editor (saves a new version through
routing.services.ruleset_save), live condition checks, Test a lead (routing.preview) and Backtest."""

import difflib
import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from routeswit.api.errors import ValidationFailed
from routeswit.orgs.models import Role
from routeswit.web import org_view, paginate

from . import preview, selectors, services
from .engine import ConditionError, check_condition
from .forms import (
    OPERATOR_CHOICES,
    BacktestForm,
    RuleFormSet,
    RulesetForm,
    TestLeadForm,
    editor_body,
    rule_initial,
    show_service_errors,
)
from .models import Ruleset

POSITION = re.compile(r"^(\d+):(\d+): ")


@org_view()
def ruleset_list(request):
    rulesets = selectors.ruleset_list(org=request.org).exclude(current_version=None).order_by("slug")
    page = paginate(request, rulesets)
    return render(request, "routing/ruleset_list.html", {"page": page})


def _ruleset(request, slug: str) -> Ruleset:
    return selectors.ruleset_get(org=request.org, ref=slug)


@org_view()
def ruleset_detail(request, slug):
    ruleset = _ruleset(request, slug)
    version = ruleset.current_version
    versions = list(selectors.version_list(ruleset=ruleset))
    names = target_names(request.org)
    rules = selectors.version_rules(version=version)
    for rule in rules:
        rule.target_labels = [(names.get(t["target_id"], t["target_id"]), t) for t in rule.targets]
    return render(
        request,
        "routing/ruleset_detail.html",
        {
            "ruleset": ruleset,
            "version": version,
            "rules": rules,
            "versions": versions,
            "test_form": TestLeadForm(),
        },
    )


def target_names(org) -> dict[str, str]:
    from reps.selectors import rep_list, team_list

    names = {r.public_id: r.name for r in rep_list(org=org, include_inactive=True)}
    names.update({t.public_id: f"{t.name} (team)" for t in team_list(org=org, include_inactive=True)})
    return names


@org_view()
def ruleset_diff(request, slug):
    ruleset = _ruleset(request, slug)
    versions = {v.number: v for v in selectors.version_list(ruleset=ruleset)}
    newest = max(versions)
    a = _int(request.GET.get("a"), max(newest - 1, 1))
    b = _int(request.GET.get("b"), newest)
    if a not in versions or b not in versions:
        messages.error(request, "Pick two versions that exist.")
        return redirect("ruleset_detail", slug=ruleset.slug)
    rows = side_by_side(version_lines(versions[a]), version_lines(versions[b]))
    return render(
        request,
        "routing/ruleset_diff.html",
        {"ruleset": ruleset, "a": a, "b": b, "rows": rows, "numbers": sorted(versions, reverse=True)},
    )


def _int(raw, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def version_lines(version) -> list[str]:
    """A version as readable lines, so two versions compare line by line."""
    lines = [
        f"name: {version.name}",
        f"description: {version.description or '—'}",
        f"fallback: {version.fallback_target_id or '—'}",
    ]
    for index, rule in enumerate(selectors.version_rules(version=version), start=1):
        lines.append(f"{index}. {rule.name}{'' if rule.is_active else '  (inactive)'}")
        if rule.condition is not None:
            lines.append(f"   when {rule.condition}")
        elif rule.conditions is not None:
            lines.extend(
                f"   when {c.get('field')} {c.get('operator')} {c.get('value', '')}".rstrip()
                for c in rule.conditions
            )
        else:
            lines.append("   when every lead")
        targets = ", ".join(t["target_id"] for t in rule.targets)
        lines.append(f"   to {targets} · {rule.distribution} · tier {rule.tier} · priority {rule.priority}")
    return lines


def side_by_side(left: list[str], right: list[str]) -> list[tuple]:
    """Rows of ((left kind, text), (right kind, text)); kind is same, del, add or blank."""
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=left, b=right, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [
                (("same", left[i]), ("same", right[j]))
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        olds, news = left[i1:i2], right[j1:j2]
        for k in range(max(len(olds), len(news))):
            rows.append(
                (
                    ("del", olds[k]) if k < len(olds) else ("blank", ""),
                    ("add", news[k]) if k < len(news) else ("blank", ""),
                )
            )
    return rows


@org_view(Role.MANAGER)
def ruleset_edit(request, slug=None):
    ruleset = _ruleset(request, slug) if slug else None
    ruleset_form, formset = _editor_forms(request, ruleset)
    if request.method == "POST" and ruleset_form.is_valid() and formset.is_valid():
        body = editor_body(ruleset_form, formset)
        try:
            saved, created = services.ruleset_save(org=request.org, data=body)
        except ValidationFailed as exc:
            show_service_errors(exc, ruleset_form, formset)
        else:
            saved.refresh_from_db()
            number = saved.current_version.number
            messages.success(
                request,
                f"Saved {saved.slug} as version {number}." if not created else f"Created {saved.slug}.",
            )
            return redirect("ruleset_detail", slug=saved.slug)
    status = 422 if request.method == "POST" else 200
    if status == 422:
        messages.error(request, "The ruleset was not saved: fix the fields marked below.")
    context = {
        "ruleset": ruleset,
        "form": ruleset_form,
        "formset": formset,
        "operators": OPERATOR_CHOICES,
        "backtest_form": BacktestForm(),
    }
    return render(request, "routing/ruleset_edit.html", context, status=status)


def _editor_forms(request, ruleset: Ruleset | None):
    org = request.org
    if request.method == "POST":
        data = request.POST
        return (
            RulesetForm(data, org=org, editing=ruleset is not None, initial=_ruleset_initial(ruleset)),
            RuleFormSet(data, prefix="rules", form_kwargs={"org": org}),
        )
    rules = selectors.version_rules(version=ruleset.current_version) if ruleset else []
    initial = [rule_initial(r) for r in rules] or [
        {"name": "Rule 1", "mode": "always", "tier": 1, "is_active": True}
    ]
    return (
        RulesetForm(org=org, editing=ruleset is not None, initial=_ruleset_initial(ruleset)),
        RuleFormSet(prefix="rules", initial=initial, form_kwargs={"org": org}),
    )


def _ruleset_initial(ruleset: Ruleset | None) -> dict:
    if ruleset is None:
        return {}
    version = ruleset.current_version
    return {
        "name": version.name,
        "slug": ruleset.slug,
        "description": version.description,
        "fallback_target_id": version.fallback_target_id or "",
        "is_default": ruleset.is_default,
    }


@require_POST
@org_view(Role.MANAGER)
def ruleset_archive(request, slug):
    ruleset = _ruleset(request, slug)
    services.ruleset_archive(ruleset=ruleset)
    messages.success(request, f"Archived {ruleset.slug}. Its versions stay for the leads that remember them.")
    return redirect("ruleset_list")


@require_POST
@org_view()
def condition_check(request):
    """htmx: check one condition as it is typed, with the same checker as the API."""
    text = next((v for k, v in request.POST.items() if k.endswith("condition")), "")
    context = {"text": text}
    if text.strip():
        try:
            check_condition(text)
        except ConditionError as exc:
            context.update(error=exc.message, **_caret(text, exc.message))
        else:
            context["ok"] = True
    return render(request, "routing/_condition_check.html", context)


def _caret(text: str, message: str) -> dict:
    found = POSITION.match(message)
    if not found:
        return {}
    line, column = int(found.group(1)), int(found.group(2))
    lines = text.split("\n")
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    return {
        "line": line,
        "column": column,
        "source": source,
        "pointer": " " * (column - 1) + "^",
        "detail": message[found.end() :],
    }


@require_POST
@org_view()
def ruleset_test(request, slug):
    """htmx: Test a lead against the current version (routing.preview: nothing stored, no turn consumed)."""
    ruleset = _ruleset(request, slug)
    form = TestLeadForm(request.POST)
    if not form.is_valid():
        return render(request, "routing/_test_result.html", {"form": form})
    version = ruleset.current_version
    decision = preview.routing_preview(
        org=request.org, version=version, attributes=form.attributes(), tier=form.cleaned_data["tier"]
    )
    body = preview.preview_body(decision, ruleset, version)
    upcoming = body["assignments"] or (body["fallback"] or {}).get("assignments") or []
    return render(
        request, "routing/_test_result.html", {"result": body, "next": upcoming[0] if upcoming else None}
    )


@require_POST
@org_view()
def ruleset_backtest(request, slug):
    """htmx: run the editor's draft over recent leads (routing.preview.ruleset_simulate; nothing written)."""
    ruleset = _ruleset(request, slug)
    ruleset_form, formset = _editor_forms(request, ruleset)
    limit_form = BacktestForm(request.POST)
    if not (ruleset_form.is_valid() and formset.is_valid() and limit_form.is_valid()):
        return render(request, "routing/_backtest.html", {"invalid": True, "limit_form": limit_form})
    try:
        result = preview.ruleset_simulate(
            org=request.org,
            ruleset=ruleset,
            draft=editor_body(ruleset_form, formset),
            limit=limit_form.cleaned_data["limit"],
        )
    except ValidationFailed as exc:
        return render(request, "routing/_backtest.html", {"errors": exc.details})
    unchanged = result["compared"] - result["changed"]
    return render(request, "routing/_backtest.html", {"result": result, "unchanged": unchanged})
