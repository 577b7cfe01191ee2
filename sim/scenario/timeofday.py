"""Clock times and daily windows as they appear in scenario files.

Times are written "HH:MM" (or as a number of hours) and become float hours after midnight.
Windows are written "HH:MM-HH:MM"; an end before the start wraps past midnight.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(value: object, *, allow_24: bool = False) -> float:
    """Hours after midnight from "HH:MM" or a number; rejects anything outside the day."""
    if isinstance(value, bool):
        raise ValueError(f"expected a time like '08:30', got {value!r}")
    if isinstance(value, int | float):
        hours = float(value)
    elif isinstance(value, str):
        match = _TIME.match(value)
        if not match:
            raise ValueError(f"expected a time like '08:30', got {value!r}")
        hh, mm = int(match.group(1)), int(match.group(2))
        if mm >= 60:
            raise ValueError(f"minutes must be below 60 in {value!r}")
        hours = hh + mm / 60.0
    else:
        raise ValueError(f"expected a time like '08:30', got {value!r}")
    upper_ok = hours <= 24.0 if allow_24 else hours < 24.0
    if not math.isfinite(hours) or hours < 0.0 or not upper_ok:
        limit = "24:00" if allow_24 else "23:59"
        raise ValueError(f"time {value!r} is outside 00:00-{limit}")
    return hours


def format_hours(hours: float) -> str:
    """'HH:MM' for float hours, the inverse of `parse_hours`."""
    total = round(hours * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def parse_window(value: object) -> tuple[float, float]:
    """(start, end) hours from "HH:MM-HH:MM"; end may be 24:00 or before start (overnight)."""
    if isinstance(value, list | tuple) and len(value) == 2:
        start, end = value
    elif isinstance(value, str) and value.count("-") == 1:
        start, end = value.split("-")
    else:
        raise ValueError(f"expected a window like '08:00-20:00', got {value!r}")
    start_h = parse_hours(start)
    end_h = parse_hours(end, allow_24=True)
    if start_h == end_h:
        raise ValueError(f"window {value!r} is empty")
    return start_h, end_h


def format_window(window: tuple[float, float]) -> str:
    return f"{format_hours(window[0])}-{format_hours(window[1])}"


def _on_a_minute(hours: float) -> bool:
    return parse_hours(format_hours(hours), allow_24=True) == hours


def _written_time(hours: float) -> str | float:
    """"HH:MM" where that reads back as the same hours, else the hours themselves: a
    scenario written out must read back unchanged."""
    return format_hours(hours) if _on_a_minute(hours) else hours


def _written_window(window: tuple[float, float]) -> str | list[float]:
    return format_window(window) if all(map(_on_a_minute, window)) else list(window)


# Python dumps keep hours as floats; JSON and YAML dumps write them back as "HH:MM" (as hours
# where a minute would round them). The parser bounds a time to the day; the schema says so.
TimeOfDay = Annotated[
    float,
    BeforeValidator(parse_hours),
    Field(ge=0, lt=24),
    PlainSerializer(_written_time, return_type=str | float, when_used="json"),
]
Window = Annotated[
    tuple[float, float],
    BeforeValidator(parse_window),
    PlainSerializer(_written_window, return_type=str | list[float], when_used="json"),
]



def _sorted_unique(times: list[float]) -> list[float]:
    if len(set(times)) != len(times):
        raise ValueError("departure times repeat")
    return sorted(times)


# A daily timetable: departure times, each once, kept in order.
Timetable = Annotated[list[TimeOfDay], AfterValidator(_sorted_unique)]
