"""Answers first, for a province: what its run found against the targets, city by city, in
sentences a planner can read out; the rest as a single run's answers say it."""

from __future__ import annotations

from sim.i18n import _, percent
from sim.ui import answers
from sim.ui.province_runs import ProvinceRecord


def statements(record: ProvinceRecord) -> list[str]:
    """The sentences, in the language in force (Markdown, names escaped)."""
    found = [answers.on_time(record), by_city(record), answers.by_county(record),
             answers.village_tail(record), answers.cost(record)]
    return [line for line in found if line]


def by_city(record: ProvinceRecord) -> str:
    """Each city's on-time share, the lowest first; the one furthest from its targets."""
    cities = record.cities.dropna(subset=["on_time_rate"])
    if cities.empty:
        return ""
    shares = dict(zip(cities["name"], cities["on_time_rate"], strict=True))
    worst = min(shares, key=shares.__getitem__)
    return _("On time by city: {cities}. Furthest from its targets: {city}, {late} of its "
             "parcels late.").format(cities=answers.lowest(shares),
                                     city=answers.escaped(worst),
                                     late=percent(1 - shares[worst]))
