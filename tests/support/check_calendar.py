"""Reads back an iCalendar file Lyceum emitted, with the `icalendar` package
rather than Lyceum's own code, so the tests see what a calendar client sees.

It fails (exit 1, the reason on stderr) when a line is longer than 75
octets or not CRLF-terminated, when VERSION is not 2.0 or PRODID is missing,
when a DTSTART/DTEND names a TZID with no VTIMEZONE in the file, when a
VEVENT lacks UID, DTSTAMP or DTSTART, or when icalendar cannot parse it.

Otherwise it prints one JSON object: the calendar name, the TZIDs of its
VTIMEZONEs and per event its text fields and times. start_utc/end_utc come
from the file's own VTIMEZONE (icalendar's Timezone.to_tz with
lookup_tzid=False; by default to_tz, and icalendar's own DTSTART decoding,
use the system zoneinfo for a known TZID), start_utc_zoneinfo from Python's
zoneinfo, so the caller can compare both. occurrences expands the RRULE
(minus EXDATEs) with dateutil from the zone-aware DTSTART, at most 1000.

Usage: check_calendar.py FILE.ics
"""

import datetime
import itertools
import json
import re
import sys
import zoneinfo

import icalendar
from dateutil import rrule

UTC = datetime.timezone.utc


def fail(reason):
    raise ValueError(reason)


def utc(value, tz=None):
    """An ISO instant ending in Z; a DATE or floating time as it stands."""
    if not isinstance(value, datetime.datetime):
        return value.isoformat()
    if tz is not None:
        value = value.replace(tzinfo=tz)
    if value.tzinfo is None:
        return value.isoformat()
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check(raw):
    if not raw.endswith(b"\r\n"):
        fail("the file does not end with CRLF")
    for number, line in enumerate(raw[:-2].split(b"\r\n"), 1):
        if b"\n" in line or b"\r" in line:
            fail(f"line {number} is not CRLF-terminated")
        if len(line) > 75:
            fail(f"line {number} is {len(line)} octets long, more than 75")
    text = raw.decode("utf-8")
    # The RRULE as written: icalendar would re-order its parts.
    rrules, events = [], 0
    for line in re.sub(r"\r\n[ \t]", "", text).split("\r\n"):
        if line.upper() == "BEGIN:VEVENT":
            events += 1
            rrules.append(None)
        elif events and line.upper().startswith("RRULE:"):
            rrules[-1] = line[6:]

    cal = icalendar.Calendar.from_ical(text)
    for component in cal.walk():
        if component.errors:  # VEVENTs swallow parse errors into .errors
            fail(f"{component.name}: {component.errors}")
    if str(cal.get("VERSION", "")) != "2.0":
        fail(f"VERSION is {str(cal.get('VERSION'))!r}, not 2.0")
    if "PRODID" not in cal:
        fail("PRODID is missing")
    zones = {str(tz["TZID"]): tz.to_tz(lookup_tzid=False) for tz in cal.walk("VTIMEZONE")}

    def instant(event, name, own_zone=True):
        prop = event.get(name)
        if prop is None:
            return None, None
        tzid = prop.params.get("TZID")
        if tzid is None:
            return None, prop.dt
        if tzid not in zones:
            fail(f"{name};TZID={tzid} has no VTIMEZONE in the file")
        if own_zone:
            return tzid, prop.dt.replace(tzinfo=zones[tzid])
        try:
            return tzid, prop.dt.replace(tzinfo=zoneinfo.ZoneInfo(tzid))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return tzid, None

    out = []
    for event, raw_rrule in zip(cal.walk("VEVENT"), rrules):
        for name in ("UID", "DTSTAMP", "DTSTART"):
            if name not in event:
                fail(f"a VEVENT lacks {name}")
        tzid, start = instant(event, "DTSTART")
        _, end = instant(event, "DTEND")
        _, start_zi = instant(event, "DTSTART", own_zone=False)
        if end is None and "DURATION" in event:
            end = start + event.decoded("DURATION")
        occurrences = [utc(start)]
        if raw_rrule is not None:
            rules = rrule.rruleset()
            rules.rrule(rrule.rrulestr(raw_rrule, dtstart=start))
            exdates = event.get("EXDATE", [])
            for exdate in exdates if isinstance(exdates, list) else [exdates]:
                zone = zones.get(exdate.params.get("TZID"))
                for dt in exdate.dts:
                    rules.exdate(dt.dt.replace(tzinfo=zone) if zone else dt.dt)
            occurrences = [utc(dt) for dt in itertools.islice(rules, 1000)]
        text = lambda name: str(event[name]) if name in event else None
        out.append({
            "uid": text("UID"),
            "summary": text("SUMMARY"),
            "description": text("DESCRIPTION"),
            "location": text("LOCATION"),
            "url": text("URL"),
            "status": text("STATUS"),
            "sequence": int(event["SEQUENCE"]) if "SEQUENCE" in event else None,
            "tzid": tzid,
            "start_utc": utc(start),
            "end_utc": None if end is None else utc(end),
            "start_utc_zoneinfo": None if start_zi is None else utc(start_zi),
            "rrule": raw_rrule,
            "occurrences": occurrences,
        })
    return {"calname": cal.get("X-WR-CALNAME") and str(cal["X-WR-CALNAME"]),
            "timezones": list(zones), "events": out}


def main():
    try:
        with open(sys.argv[1], "rb") as f:
            result = check(f.read())
    except Exception as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
