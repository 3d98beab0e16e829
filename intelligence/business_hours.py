"""Time that counts toward a business-hours SLA: only the rep's working hours, in the rep's timezone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reps.validation import DAYS


def business_seconds(*, working_hours: dict | None, tz_name: str, start: datetime, end: datetime) -> float:
    """Seconds of [start, end) inside the working hours. No working hours (null) means always working."""
    if end <= start:
        return 0.0
    if not working_hours:
        return (end - start).total_seconds()
    zone = ZoneInfo(tz_name or "UTC")
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    total = 0.0
    while day <= last:
        for opens, closes in working_hours.get(DAYS[day.weekday()], []):
            low = max(_local(day, opens, zone), start)
            high = min(_local(day, closes, zone), end)
            if high > low:
                total += (high - low).total_seconds()
        day += timedelta(days=1)
    return total


def _local(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    if hhmm == "24:00":
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone)
