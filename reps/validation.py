"""Shape rules for rep fields, shared by the API serializers and the pages' forms."""

import re
import zoneinfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def timezone_errors(value: str) -> list[str]:
    if not isinstance(value, str) or value not in zoneinfo.available_timezones():
        return [f"{value!r} is not an IANA timezone such as Europe/London."]
    return []


def working_hours_errors(value) -> dict[str, str]:
    """{} when valid; else messages keyed by path inside working_hours (`mon[0]`)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return {"": 'Must be null or an object like {"mon": [["09:00", "17:30"]]}.'}
    errors = {}
    for day, ranges in value.items():
        if day not in DAYS:
            errors[day] = f"Unknown day {day!r}; use {', '.join(DAYS)}."
        elif not isinstance(ranges, list):
            errors[day] = 'Must be a list of ["HH:MM", "HH:MM"] pairs.'
        else:
            for index, pair in enumerate(ranges):
                message = _range_error(pair)
                if message:
                    errors[f"{day}[{index}]"] = message
    return errors


def _range_error(pair) -> str | None:
    if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
        return 'Must be a pair ["HH:MM", "HH:MM"].'
    if not all(HHMM.match(t) for t in pair):
        return "Times must be HH:MM, 00:00 to 24:00."
    if pair[0] >= pair[1]:
        return "The start must be before the end."
    return None
