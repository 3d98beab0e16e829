"""Daily rollups for the analytics summary: the leads of each ended UTC day, summed per (ruleset, rep, rule).

A period's counts are the cells of its built days plus the same sums computed live for the rest (the partial
days at its edges, today, days not built yet, and days changed since they were built). Both come from
`lead_cells`, so a period reads the same whichever way each day is read.

Staleness is tracked by PostgreSQL triggers (migration intelligence 0003): any insert, update or delete of a
lead created on an earlier UTC day, and any breach of such a lead, appends an AnalyticsDirtyMark for that
day. The builder (beat, `analytics_rollups_build`) rebuilds a day in a REPEATABLE READ transaction: it
computes the cells from one snapshot and deletes only the marks that snapshot saw, so a write that commits
while it runs leaves its mark and the day is read live until the next build. SQLite (`make run`) has no
triggers and no rollups: every period is read live.
"""

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from leads.models import AssignmentReason, Lead, LeadStatus
from routeswit.orgs.models import Organization

from .models import AnalyticsDay, AnalyticsDirtyMark, LeadDayCell, SlaBreach

log = logging.getLogger("routeswit.analytics")

CELL_KEY = ("ruleset_id", "rep_id", "rule_public_id")
SUMS = (
    "total",
    "assigned",
    "rerouted",
    "converted",
    "first_attempt",
    "fallback",
    "routed",
    "routing_ms_sum",
    "responded",
    "timed",
    "response_seconds_sum",
    "breaches",
    "breached_leads",
)
# A day is built once it ended this long ago, so a transaction that began before midnight has committed.
SEAL_MARGIN = timedelta(minutes=5)
# One build run stops after this many days (the rest are read live until the next run).
BUILD_BUDGET_DAYS = 400


def rollups_enabled() -> bool:
    return connection.vendor == "postgresql"


def lead_cells(leads: QuerySet[Lead]) -> list[dict]:
    """The leads summed per (ruleset, rep, rule): two grouped queries (leads, then their breaches)."""
    rows = (
        leads.values(*CELL_KEY)
        .annotate(
            rule_name=Max("rule_name"),
            total=Count("pk"),
            assigned=Count("pk", filter=Q(rep__isnull=False)),
            rerouted=Count("pk", filter=Q(attempts__gt=1)),
            converted=Count("pk", filter=Q(status=LeadStatus.CONVERTED)),
            first_attempt=Count("pk", filter=Q(attempts=1, rep__isnull=False)),
            fallback=Count("pk", filter=Q(rep__isnull=False, reason=AssignmentReason.FALLBACK)),
            routed=Count("routing_ms"),
            routing_ms_sum=Sum("routing_ms"),
            responded=Count("pk", filter=Q(first_response_at__isnull=False)),
            timed=Count("response_seconds"),
            response_seconds_sum=Sum("response_seconds"),
        )
        .order_by()
    )
    cells = {tuple(row[k] for k in CELL_KEY): {**row, "breaches": 0, "breached_leads": 0} for row in rows}
    breaches = (
        SlaBreach.objects.filter(lead__in=leads.values("pk"))
        .values("lead__ruleset_id", "lead__rep_id", "lead__rule_public_id")
        .annotate(breaches=Count("pk"), breached_leads=Count("lead_id", distinct=True))
        .order_by()
    )
    for row in breaches:
        cell = cells.get(tuple(row[f"lead__{k}"] for k in CELL_KEY))
        if cell is not None:  # a lead written between the two queries (live reads outside a snapshot)
            cell["breaches"] += row["breaches"]
            cell["breached_leads"] += row["breached_leads"]
    for cell in cells.values():
        cell["routing_ms_sum"] = cell["routing_ms_sum"] or 0.0
        cell["response_seconds_sum"] = cell["response_seconds_sum"] or 0.0
    return list(cells.values())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def full_days(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The first and last UTC days lying wholly inside [start, end), or None."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if start.time() == time.min else start.date() + timedelta(days=1)
    last = end.date() - timedelta(days=1)
    return (first, last) if first <= last else None


def built_days(*, org: Organization, start: datetime, end: datetime) -> list[date]:
    """The days of [start, end) whose cells are current (built, and not marked since)."""
    if not rollups_enabled():
        return []
    span = full_days(start, end)
    if span is None:
        return []
    marked = AnalyticsDirtyMark.objects.filter(org_id=org.pk, day__range=span).values("day")
    days = AnalyticsDay.objects.filter(org=org, day__range=span).exclude(day__in=marked)
    return sorted(days.values_list("day", flat=True))


def live_ranges(start: datetime, end: datetime, days: list[date]) -> list[tuple[datetime, datetime]]:
    """[start, end) minus the given (sorted, inside) days, as a list of half-open ranges."""
    ranges, cursor = [], start
    for day in days:
        day_start, day_end = day_bounds(day)
        if day_start > cursor:
            ranges.append((cursor, day_start))
        cursor = max(cursor, day_end)
    if cursor < end:
        ranges.append((cursor, end))
    return ranges


def period_cells(
    *, org: Organization, start: datetime, end: datetime, ruleset_id: int | None, rep_id: int | None
) -> list[dict]:
    """The cells of [start, end): stored ones for built days, computed live for the rest."""
    days = built_days(org=org, start=start, end=end)
    cells: list[dict] = []
    if days:
        stored = LeadDayCell.objects.filter(org=org, day__in=days)
        if ruleset_id is not None:
            stored = stored.filter(ruleset_id=ruleset_id)
        if rep_id is not None:
            stored = stored.filter(rep_id=rep_id)
        cells += stored.values(*CELL_KEY, "rule_name", *SUMS)
    ranges = live_ranges(start, end, days)
    if ranges:
        in_ranges = Q()
        for low, high in ranges:
            in_ranges |= Q(created_at__gte=low, created_at__lt=high)
        leads = Lead.objects.filter(in_ranges, org=org)
        if ruleset_id is not None:
            leads = leads.filter(ruleset_id=ruleset_id)
        if rep_id is not None:
            leads = leads.filter(rep_id=rep_id)
        cells += lead_cells(leads)
    return cells


# --- building -----------------------------------------------------------------------------------------------


def sealed_before(now: datetime) -> date:
    """Days before this one have ended (with the margin) and may be built."""
    return (now - SEAL_MARGIN).astimezone(UTC).date()


def days_to_build(*, org: Organization, now: datetime) -> tuple[list[date], list[date]]:
    """The ended days that need cells (marked ones, and the days with leads after the last built one) and
    the ended days after the last built one without any lead (recorded as built, with no cells)."""
    limit = sealed_before(now)
    marks = AnalyticsDirtyMark.objects.filter(org_id=org.pk, day__lt=limit)
    marked = set(marks.values_list("day", flat=True).distinct())
    last_built = AnalyticsDay.objects.filter(org=org).aggregate(last=Max("day"))["last"]
    if last_built is not None:
        first = last_built + timedelta(days=1)
    else:
        first_lead = Lead.objects.filter(org=org).aggregate(first=Min("created_at"))["first"]
        first = first_lead.astimezone(UTC).date() if first_lead else limit
    if first >= limit:
        return sorted(marked), []
    new_leads = Lead.objects.filter(
        org=org, created_at__gte=day_bounds(first)[0], created_at__lt=day_bounds(limit)[0]
    )
    with_leads = set(
        new_leads.annotate(day=TruncDate("created_at", tzinfo=UTC)).values_list("day", flat=True).distinct()
    )
    pending = [first + timedelta(days=n) for n in range((limit - first).days)]
    empty = [day for day in pending if day not in with_leads and day not in marked]
    return sorted(marked | with_leads), empty


def day_build(*, org: Organization, day: date, now: datetime | None = None) -> bool:
    """(Re)build one day's cells from one snapshot; False when another builder holds the day."""
    now = now or timezone.now()
    outer = connection.in_atomic_block
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                if not outer:  # inside a caller's transaction (tests), its snapshot rules
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, _lock_key(org, day)])
                if not cursor.fetchone()[0]:
                    return False
            start, end = day_bounds(day)
            cells = lead_cells(Lead.objects.filter(org=org, created_at__gte=start, created_at__lt=end))
            LeadDayCell.objects.filter(org=org, day=day).delete()
            LeadDayCell.objects.bulk_create([LeadDayCell(org=org, day=day, **cell) for cell in cells])
            AnalyticsDay.objects.update_or_create(org=org, day=day, defaults={"built_at": now})
            # Deletes only the marks this snapshot sees: one committed after it keeps the day stale.
            AnalyticsDirtyMark.objects.filter(org_id=org.pk, day=day).delete()
            with connection.cursor() as cursor:
                # The triggers mark a day once per transaction (a local setting says it is done): when
                # this transaction goes on writing (a caller's, in tests), its next write marks again.
                cursor.execute("SELECT set_config(%s, '', true)", [mark_flag(org.pk, day)])
    except OperationalError as exc:  # a concurrent builder changed the same rows: it built the day
        if "could not serialize" not in str(exc):
            raise
        return False
    except IntegrityError:  # the organization was deleted meanwhile
        return False
    return True


def mark_flag(org_id: int, day: date) -> str:
    """The transaction-local setting with which the triggers (intelligence_mark_day) mark a day once."""
    return f"routeswit.analytics_marked_{org_id}_{day:%Y%m%d}"


_LOCK_CLASS = 0x52570001  # "RW" + 1: this module's advisory locks


def _lock_key(org: Organization, day: date) -> int:
    return (org.pk * 100_003 + day.toordinal()) % 2**31


def rollups_build(*, now: datetime | None = None, orgs: Iterable[Organization] | None = None) -> int:
    """Build every day that needs it, oldest first, within the budget; returns the days built. The clock is
    the database's, the one the triggers use to tell an ended day from today."""
    if not rollups_enabled():
        return 0
    if now is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement_timestamp()")
            now = cursor.fetchone()[0]
    # Marks written while an organization was being deleted (its leads' delete triggers) have no owner.
    AnalyticsDirtyMark.objects.exclude(org_id__in=Organization.objects.values("pk")).delete()
    built = 0
    for org in orgs if orgs is not None else Organization.objects.all():
        to_build, empty = days_to_build(org=org, now=now)
        for day in to_build:
            if built >= BUILD_BUDGET_DAYS:
                # Nothing after this day is recorded (not even empty days), so the next run starts here.
                log.info("analytics rollups: budget reached, the rest waits for the next run")
                return built
            _record_empty(org, [d for d in empty if d < day], now)
            empty = [d for d in empty if d > day]
            built += day_build(org=org, day=day, now=now)
        _record_empty(org, empty, now)
    return built


def _record_empty(org: Organization, days: list[date], now: datetime) -> None:
    """Days without leads, built with no cells. A lead inserted into one meanwhile has marked it, so the
    day is read live until it is rebuilt."""
    if days:
        AnalyticsDay.objects.bulk_create(
            [AnalyticsDay(org=org, day=day, built_at=now) for day in days], ignore_conflicts=True
        )
