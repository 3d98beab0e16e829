"""Reads for intelligence: SLA policies, breaches and deliveries of one organization, and the analytics
summary (computed by database aggregation; see analytics_summary)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from leads.models import Lead
from reps.models import Rep
from routeswit.api.errors import NotFoundError
from routeswit.orgs.models import Organization
from routing.models import Ruleset

from . import rollups
from .models import SlaBreach, SlaPolicy, WebhookDelivery

# --- SLA policies, breaches, deliveries -----------------------------------------------------------------


def sla_policy_list(*, org: Organization) -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.filter(org=org, deleted_at__isnull=True).select_related("ruleset")


def sla_policy_get(*, org: Organization, sla_id: str) -> SlaPolicy:
    policy = sla_policy_list(org=org).filter(public_id=sla_id).first()
    if policy is None:
        raise NotFoundError(f"No SLA {sla_id!r}.")
    return policy


def sla_breach_list(*, policy: SlaPolicy) -> QuerySet[SlaBreach]:
    return SlaBreach.objects.filter(policy=policy).select_related("lead", "rep", "event")


def sla_breaches_open(*, org: Organization) -> QuerySet[SlaBreach]:
    """Breaches whose lead still has no first response, newest first (the dashboard's attention list)."""
    return (
        SlaBreach.objects.filter(policy__org=org, lead__first_response_at__isnull=True)
        .select_related("policy", "lead", "rep")
        .order_by("-detected_at")
    )


def sla_delivery_list(*, policy: SlaPolicy) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(event__policy=policy).select_related("event")


def sla_delivery_get(*, policy: SlaPolicy, delivery_id: str) -> WebhookDelivery:
    delivery = sla_delivery_list(policy=policy).filter(public_id=delivery_id).first()
    if delivery is None:
        raise NotFoundError(f"No delivery {delivery_id!r} of this SLA.")
    return delivery


# --- analytics ------------------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate for several fractions at once (one sort):
    percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY expr) -> [median, p90]."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = (
        "%(function)s(ARRAY[%(fractions)s]::double precision[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    )

    def __init__(self, expression, fractions: tuple[float, ...], **extra):
        from django.contrib.postgres.fields import ArrayField

        listed = ", ".join(repr(float(f)) for f in fractions)
        super().__init__(expression, fractions=listed, output_field=ArrayField(FloatField()), **extra)


@dataclass(frozen=True)
class AnalyticsFilter:
    start: datetime
    end: datetime  # exclusive
    ruleset: Ruleset | None = None
    rep: Rep | None = None


def analytics_leads(*, org: Organization, flt: AnalyticsFilter) -> QuerySet[Lead]:
    """Leads created in [start, end), optionally of one ruleset and one (current) rep, annotated with
    with `response_seconds` (first response - first assignment) and the current rule and reason stored on
    each lead, so every figure is one scan of the leads table."""
    leads = Lead.objects.filter(org=org, created_at__gte=flt.start, created_at__lt=flt.end)
    if flt.ruleset is not None:
        leads = leads.filter(ruleset=flt.ruleset)
    if flt.rep is not None:
        leads = leads.filter(rep=flt.rep)
    return leads


def _unpack_percentiles(row: dict) -> dict:
    if "percentiles" in row:
        median, p90 = row.pop("percentiles") or (None, None)
        row.update(median_seconds=median, p90_seconds=p90)
    return row


def analytics_summary(*, org: Organization, flt: AnalyticsFilter) -> dict:
    postgres = connection.vendor == "postgresql"
    outer = connection.in_atomic_block
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                if not outer:  # one snapshot for the rollups, the dirty marks and the live leads
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                # Large sorts stay in memory; JIT costs more than it saves here.
                cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute("SET LOCAL jit = off")
        return _summary(org=org, flt=flt, postgres=postgres)


def _summary(*, org: Organization, flt: AnalyticsFilter, postgres: bool) -> dict:
    cells = rollups.period_cells(
        org=org,
        start=flt.start,
        end=flt.end,
        ruleset_id=flt.ruleset.pk if flt.ruleset else None,
        rep_id=flt.rep.pk if flt.rep else None,
    )
    totals = _fold(cells)
    scopes = _sla_scopes(org)
    if scopes is not None:
        in_scope = [
            c for c in cells if c["rep_id"] is not None and (None in scopes or c["ruleset_id"] in scopes)
        ]
        measured = _fold(in_scope)
        totals["measured"], totals["breached"] = measured["assigned"], measured["breached_leads"]
    by_rep = _fold_by(cells, "rep_id")
    by_rep.pop(None, None)
    by_rule = _fold_by(cells, "rule_public_id")
    _add_percentiles(analytics_leads(org=org, flt=flt), totals, by_rep, by_rule, postgres)
    return _summary_body(flt, totals, totals["breaches"], _by_rep(by_rep), _by_rule(by_rule))


def _summary_body(flt, totals: dict, breaches: int, by_rep: list, by_rule: list) -> dict:
    total, assigned = totals["total"], totals["assigned"]
    return {
        "from": _iso(flt.start),
        "to": _iso(flt.end),
        "leads": {
            "total": total,
            "assigned": assigned,
            "unassigned": total - assigned,
            "rerouted": totals["rerouted"],
            "converted": totals["converted"],
        },
        "conversion_rate": rate(totals["converted"], total),
        "response_time": _response_time(totals),
        "routing_efficiency": {
            "assignment_rate": rate(assigned, total),
            "first_attempt_rate": rate(totals["first_attempt"], total),
            "fallback_rate": rate(totals["fallback"], assigned),
            "avg_routing_ms": _round(totals["avg_routing_ms"]),
        },
        "sla": {
            "breaches": breaches,
            # Of the assigned leads some SLA measures, the share with no breach; null without any SLA.
            "compliance_rate": (
                rate(totals["measured"] - totals["breached"], totals["measured"])
                if "measured" in totals
                else None
            ),
        },
        "by_rep": by_rep,
        "by_rule": by_rule,
    }


def _response_time(row: dict) -> dict:
    return {
        "responded": row["responded"],
        "avg_seconds": _round(row["avg_seconds"]),
        "median_seconds": _round(row["median_seconds"]),
        "p90_seconds": _round(row["p90_seconds"]),
    }


def _fold(cells: list[dict]) -> dict:
    totals = dict.fromkeys(rollups.SUMS, 0)
    for cell in cells:
        for key in rollups.SUMS:
            totals[key] += cell[key]
    totals["avg_routing_ms"] = totals["routing_ms_sum"] / totals["routed"] if totals["routed"] else None
    totals["avg_seconds"] = totals["response_seconds_sum"] / totals["timed"] if totals["timed"] else None
    totals["median_seconds"] = totals["p90_seconds"] = None
    return totals


def _fold_by(cells: list[dict], key: str) -> dict:
    groups: dict = {}
    for cell in cells:
        groups.setdefault(cell[key], []).append(cell)
    folded = {}
    for value, members in groups.items():
        folded[value] = _fold(members)
        names = [c["rule_name"] for c in members if c["rule_name"] is not None]
        folded[value]["rule_name"] = max(names) if names else None
    return folded


def _sla_scopes(org: Organization) -> set | None:
    """The rulesets some SLA policy measures (None in it: all of them); None without any SLA."""
    scopes = set(
        SlaPolicy.objects.filter(org=org, deleted_at__isnull=True).values_list("ruleset_id", flat=True)
    )
    return scopes or None


def _add_percentiles(
    leads: QuerySet[Lead], totals: dict, by_rep: dict, by_rule: dict, postgres: bool
) -> None:
    """Exact median and p90 of the period's response times: percentile_cont over the lead_*response_idx
    indexes on PostgreSQL (one ordered read each, overall / per rep / per rule), the same interpolation in
    Python on SQLite. Percentiles do not add up across days, so they never come from the rollups."""
    timed = leads.filter(response_seconds__isnull=False)
    if not postgres:
        totals.update(_percentiles(sorted_seconds(timed)))
        _group_percentiles(by_rep, timed.exclude(rep=None), "rep_id")
        _group_percentiles(by_rule, timed, "rule_public_id")
        return
    if totals["timed"]:
        totals.update(_unpack_percentiles(timed.aggregate(percentiles=_percentile_aggregate())))
    for groups, field, rows in (
        (by_rep, "rep_id", timed.exclude(rep=None)),
        (by_rule, "rule_public_id", timed),
    ):
        if not any(g["timed"] for g in groups.values()):
            continue
        for row in rows.values(field).annotate(percentiles=_percentile_aggregate()).order_by(field):
            if row[field] in groups:
                groups[row[field]].update(_unpack_percentiles(row))


def _percentile_aggregate():
    return PercentileCont("response_seconds", (0.5, 0.9))


def _by_rep(groups: dict) -> list[dict]:
    reps = {r.pk: r for r in Rep.objects.filter(pk__in=list(groups)).only("public_id", "name")}
    rows = sorted(groups.items(), key=lambda item: (-item[1]["total"], reps[item[0]].public_id))
    return [
        {"rep": {"id": reps[pk].public_id, "name": reps[pk].name}, **_group_body(row)} for pk, row in rows
    ]


def _by_rule(groups: dict) -> list[dict]:
    # Most leads first; ties by rule id, leads without a rule last (as PostgreSQL orders NULLs).
    rows = sorted(groups.items(), key=lambda item: (-item[1]["total"], item[0] is None, item[0] or ""))
    return [
        {
            "rule": {"id": rule_id, "name": row["rule_name"]} if rule_id else None,
            **_group_body(row),
        }
        for rule_id, row in rows
    ]


def _group_body(row: dict) -> dict:
    return {
        "leads": row["total"],
        "converted": row["converted"],
        "conversion_rate": rate(row["converted"], row["total"]),
        "response_time": _response_time(row),
    }


# SQLite (`make run`) has no percentile_cont: fetch only the sorted durations and interpolate the same way.


def sorted_seconds(leads: QuerySet[Lead]) -> list[float]:
    timed = leads.filter(response_seconds__isnull=False)
    return list(timed.order_by("response_seconds").values_list("response_seconds", flat=True))


def _group_percentiles(groups: dict, leads: QuerySet[Lead], field: str) -> None:
    grouped: dict = {}
    for group, seconds in leads.order_by(field, "response_seconds").values_list(field, "response_seconds"):
        grouped.setdefault(group, []).append(seconds)
    for key, row in groups.items():
        row.update(_percentiles(grouped.get(key, [])))


def _percentiles(values: list[float]) -> dict:
    return {"median_seconds": percentile_cont(values, 0.5), "p90_seconds": percentile_cont(values, 0.9)}


def percentile_cont(ordered: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont on an ascending list: linear interpolation between closest ranks."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rate(numerator: int, denominator: int) -> float | None:
    return None if not denominator else round(numerator / denominator, 6)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- dashboard charts (the pages' view of the same lead set as the summary) ---------------------------

RESPONSE_BUCKETS = [
    (0, 5, "< 5 min"),
    (5, 15, "5–15 min"),
    (15, 60, "15–60 min"),
    (60, 240, "1–4 h"),
    (240, None, "> 4 h"),
]


def analytics_leads_per_day(org, start, end) -> dict:
    """Leads per local day, assigned vs unassigned (a DB aggregate over the summary's own lead set)."""
    leads = analytics_leads(org=org, flt=AnalyticsFilter(start=start, end=end))
    rows = (
        leads.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            assigned=Count("pk", filter=Q(rep__isnull=False)),
            unassigned=Count("pk", filter=Q(rep__isnull=True)),
        )
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    days, day = [], timezone.localtime(start).date()
    while day <= timezone.localtime(end).date() and len(days) < 400:
        days.append(day)
        day += timedelta(days=1)
    return {
        "labels": [d.strftime("%b %-d") for d in days],
        "assigned": [by_day.get(d, {}).get("assigned", 0) for d in days],
        "unassigned": [by_day.get(d, {}).get("unassigned", 0) for d in days],
    }


def analytics_response_distribution(org, start, end) -> dict:
    leads = analytics_leads(org=org, flt=AnalyticsFilter(start=start, end=end))
    aggregates = {}
    for index, (low, high, _) in enumerate(RESPONSE_BUCKETS):
        bucket = Q(first_response_at__isnull=False, response_seconds__gte=low * 60)
        if high is not None:
            bucket &= Q(response_seconds__lt=high * 60)
        aggregates[f"b{index}"] = Count("pk", filter=bucket)
    counts = leads.aggregate(**aggregates)
    return {
        "labels": [b[2] for b in RESPONSE_BUCKETS],
        "counts": [counts[f"b{i}"] for i in range(len(RESPONSE_BUCKETS))],
    }
