"""A report of one run for a county government: one HTML file that prints to A4.

What the scenario is, in words; what it found against the targets; a map; two charts; the
bottlenecks; and the changes against the baseline run. It is read on paper or offline, so
it carries everything itself: no scripts, nothing fetched, the system's fonts. Every text
from the scenario is escaped (Jinja's autoescape; the pictures escape their own), since an
uploaded scenario is a stranger's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from sim.i18n import N_, _, language, ngettext, number, percent
from sim.results.columns import Column, written
from sim.results.names import FLEETS, MODES, RESIDENTS, kind
from sim.scenario import Scenario
from sim.scenario.models import SERVED_TIERS
from sim.ui import answers, levers
from sim.ui.drawings import FONT, TierLead, lead_chart, network_map, share_chart
from sim.ui.export import (
    Table,
    bottlenecks,
    cold_chain,
    comparable,
    lead_by_county,
    lead_by_tier,
    scenario_as_run,
    table_keys,
)
from sim.ui.kpis import headline
from sim.ui.runs import RunRecord

REPORT_FILE = "report.html"  # the download's name, the same in every language
BOTTLENECK_ROWS = 10
BOTTLENECK_COLUMNS = ("rank", "name", "county", "utilisation", "peak_backlog", "unstable")
GOODS_COLUMNS = ("name", "made_t", "spoilage_rate", "in_network_t", "lead_p95_h",
                 "out_of_cold_p95_h")
TEXT_STYLES = ("text", "flag")
COMPARISON = (Column("name", N_("indicator"), "text"), Column("then", N_("baseline"), "text"),
              Column("now", N_("this run"), "text"),
              Column("change", N_("change against the baseline"), "text"))
FLEET_ORDER = ("line_haul", "township", "village", "courier", "bus_township", "bus_village")
HTML_LANGUAGES = {"zh": "zh-CN", "en": "en"}
# answers.statements writes Markdown with the scenario's names escaped; the report prints
# the same sentences as text
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~$])")

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
@page { size: A4; margin: 14mm 13mm; }
body { font-family: {{ font }}; font-size: 9.5pt; line-height: 1.45; color: #222;
       max-width: 184mm; margin: 0 auto; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 5mm 0 2mm; border-bottom: 0.5pt solid #888;
     break-after: avoid; page-break-after: avoid; }
p, ul { margin: 1mm 0 2mm; }
ul { padding-left: 5mm; }
.meta { color: #555; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 1mm 0 3mm;
        break-inside: avoid; page-break-inside: avoid; }
th { text-align: left; font-weight: bold; border-bottom: 0.8pt solid #444; padding: 1mm; }
td { border-bottom: 0.3pt solid #ccc; padding: 0.8mm 1mm; vertical-align: top; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
td.number { white-space: nowrap; }
table.comparison td + td { text-align: right; white-space: nowrap; }
figure { margin: 2mm 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 9pt; color: #555; }
svg { max-width: 100%; height: auto; }
.note { font-size: 8.5pt; color: #555; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="meta">{{ made }}</p>

<h2>{{ headings.scenario }}</h2>
<ul>{% for line in scenario %}<li>{{ line }}</li>{% endfor %}</ul>

<h2>{{ headings.results }}</h2>
<ul>{% for line in findings %}<li>{{ line }}</li>{% endfor %}</ul>
{% for table in results %}{{ table }}{% endfor %}

<h2>{{ headings.map }}</h2>
<figure>{{ map }}<figcaption>{{ map_caption }}</figcaption></figure>

<h2>{{ headings.charts }}</h2>
{% for chart in charts %}<figure>{{ chart.picture }}<figcaption>{{ chart.caption }}</figcaption>
</figure>{% endfor %}

<h2>{{ headings.bottlenecks }}</h2>
{{ bottlenecks }}
<p class="note">{{ bottleneck_note }}</p>

{% if comparison %}<h2>{{ headings.comparison }}</h2>
<p>{{ comparison.said }}</p>
{{ comparison.table }}{% endif %}

<p class="note">{{ footer }}</p>
</body>
</html>
"""

_ENVIRONMENT = Environment(autoescape=True, keep_trailing_newline=True)


def report_html(record: RunRecord, baseline: RunRecord | None = None) -> str:
    """The report of `record` in the language in force, against `baseline` where it is
    another run of the same network."""
    scenario = scenario_as_run(record)
    name = record.summary["scenario"]
    title = _("Express network simulation: {scenario}").format(scenario=name)
    return _ENVIRONMENT.from_string(TEMPLATE).render(
        lang=HTML_LANGUAGES[language()], font=Markup(FONT), title=title,
        made=_("Made {when} by the county express network simulator; seed {seed}.").format(
            when=record.made.strftime("%Y-%m-%d %H:%M"), seed=record.summary["run"]["seed"]),
        headings={"scenario": _("The scenario"), "results": _("Results against the targets"),
                  "map": _("The network"), "charts": _("Lead times and on-time shares"),
                  "bottlenecks": _("Bottlenecks: the most pressed resources"),
                  "comparison": _("Against the baseline")},
        scenario=scenario_lines(record, scenario),
        findings=findings(record, baseline),
        results=[html_table(t) for t in results_tables(record)],
        map=network_map(record.nodes, record.edges, record.boundaries,
                        title=_("Map of the network")),
        map_caption=_("Parks, township stations, villages and vehicle loops, coloured by "
                      "the mean lead time of their residents' parcels against the target "
                      "of where they live; a loop by the villages or towns it serves. "
                      "Counties are named at their logistics parks."),
        charts=charts(record),
        bottlenecks=html_table(bottleneck_table(record)),
        bottleneck_note=_("Ranked as the bottleneck table ranks them: those whose backlog "
                          "keeps growing first, then by utilisation. Utilisation: a sorting "
                          "line's parcels sorted over what it can sort; a route's busy share "
                          "of time or its load factor, the larger; a shelf's peak over its "
                          "slots."),
        comparison=comparison(record, baseline),
        footer=_("The results count the parcels created in the measured days. The "
                 "Downloads tab of the app has every table as CSV and Excel, and the "
                 "scenario as run: unzipped, \"sim run scenario.yaml\" reproduces these "
                 "numbers."))


# The scenario in words

def scenario_lines(record: RunRecord, scenario: Scenario) -> list[str]:
    """The network, the days, the volume and events, the operating modes and the goods."""
    lines = [network_line(record), days_line(record), volume_line(record, scenario),
             modes_line(scenario), fleets_line(record, scenario), targets_line(record),
             goods_line(record, scenario)]
    return [line for line in lines if line]


def network_line(record: RunRecord) -> str:
    nodes = record.nodes
    parks = nodes[nodes["kind"] == "park"]
    counties = [str(county) for county in parks["county"]]
    return _("The network: {counties} ({names}), with {stations} township service stations "
             "and {villages} village service points.").format(
        counties=_county_count(len(counties)), names=answers.listed(counties),
        stations=number(int((nodes["kind"] == "station").sum())),
        villages=number(int((nodes["kind"] == "point").sum())))


def _county_count(count: int) -> str:
    return ngettext("{count} county", "{count} counties", count).format(count=number(count))


def days_line(record: RunRecord) -> str:
    run = record.summary["run"]
    start = dt.date.fromisoformat(run["start_date"])
    last = start + dt.timedelta(days=run["days"] - 1)
    first_measured = start + dt.timedelta(days=run["warmup_days"])
    return _("The days: {days} days of parcels from {start} to {last}; the results count "
             "those created from {first} on (the days before fill the network), and "
             "{drain} more days let late parcels arrive.").format(
        days=number(run["days"]), start=start.isoformat(), last=last.isoformat(),
        first=first_measured.isoformat(), drain=number(run["drain_days"]))


def volume_line(record: RunRecord, scenario: Scenario) -> str:
    run = record.summary["run"]
    measured_days = max(run["days"] - run["warmup_days"], 1)
    parcels = record.kpis.get("parcels.measured") or 0
    start = dt.date.fromisoformat(run["start_date"])
    end = start + dt.timedelta(days=run["days"] - 1)
    events = [_("{event} from {start} to {end}, {multiplier} times the volume").format(
        event=event.name, start=event.start.isoformat(), end=event.end.isoformat(),
        multiplier=number(event.multiplier, 2))
        for event in scenario.demand.events if event.start <= end and event.end >= start]
    said = _("The volume: {parcels} parcels in the measured days, {per_day} a day, at "
             "{multiplier} times an ordinary day's volume.").format(
        parcels=number(parcels), per_day=number(parcels / measured_days),
        multiplier=number(run["demand_multiplier"], 2))
    if events:
        return said + " " + _("Calendar events in these days: {events}.").format(
            events=answers.listed(events))
    return said + " " + _("No calendar events fall in these days.")


def modes_line(scenario: Scenario) -> str:
    """How the township and village legs are run, and where a county or township runs them
    otherwise."""
    operations = scenario.operations
    said = _("Operating modes: the township leg by {township}, the village leg by "
             "{village}.").format(township=kind(MODES, operations.township),
                                  village=kind(MODES, operations.village))
    exceptions = [
        _("{place}: {leg} by {mode}").format(place=place, leg=_leg(leg), mode=kind(MODES, mode))
        for place, modes in (*operations.counties.items(), *operations.townships.items())
        for leg, mode in (("township", modes.township), ("village", modes.village))
        if mode is not None]
    if exceptions:
        said += " " + _("Otherwise: {exceptions}.").format(exceptions=answers.listed(
            exceptions))
    return said


def _leg(leg: str) -> str:
    return _("the township leg") if leg == "township" else _("the village leg")


def targets_line(record: RunRecord) -> str:
    return _("Service targets: {targets}.").format(targets=answers.targets(record))


def goods_line(record: RunRecord, scenario: Scenario) -> str:
    chain = record.summary.get("cold_chain")
    if chain is None:
        return ""
    made = [record.names.product(name) for name, block in chain["products"].items()
            if block["lots"]]
    hubs = [record.names.hub(hub.name) for hub in scenario.hubs]
    return _("Goods: {products}, through {hubs}.").format(
        products=answers.listed(made) or "-", hubs=answers.listed(hubs) or "-")


def fleets_line(record: RunRecord, scenario: Scenario) -> str:
    """The fleets: vehicles in all, what each carries, departures a day."""
    fleets, run = scenario.fleets.by_name(), record.summary["fleets"]
    said = [ngettext("{fleet}: {count} vehicle of {capacity} parcels, {departures} departures "
                     "a day", "{fleet}: {count} vehicles of {capacity} parcels, {departures} "
                     "departures a day", int(run[name]["vehicles"])).format(
        fleet=kind(FLEETS, name), count=number(run[name]["vehicles"]),
        capacity=number(fleets[name].capacity), departures=number(len(fleets[name].departures)))
        for name in FLEET_ORDER if name in fleets and name in run]
    return _("Vehicles: {fleets}.").format(fleets=_("; ").join(said))


# Results

def findings(record: RunRecord, baseline: RunRecord | None) -> list[str]:
    """The app's answers, as text."""
    return [_MARKDOWN_ESCAPE.sub(r"\1", line)
            for line in answers.statements(record, comparable(record, baseline))]


def several_counties(record: RunRecord) -> bool:
    """Whether counties are worth comparing (with one, its figures are the network's)."""
    return len(record.summary.get("by_county", {})) > 1


def results_tables(record: RunRecord) -> list[Table]:
    """On time and lead times by tier and by county; spoilage by product, where there are
    goods."""
    found = [lead_by_tier(record).without_detail()]
    if several_counties(record):
        found.append(lead_by_county(record))
    if "cold_chain_by_product" in table_keys(record):
        found.append(cold_chain(record).some(GOODS_COLUMNS))
    return found


def bottleneck_table(record: RunRecord) -> Table:
    return bottlenecks(record, BOTTLENECK_ROWS).some(BOTTLENECK_COLUMNS)


def html_table(table: Table, kind_of_table: str = "") -> Markup:
    """A table as HTML, its values as a planner reads them; every cell escaped."""
    template = _ENVIRONMENT.from_string(
        "<table{% if kind_of_table %} class=\"{{ kind_of_table }}\"{% endif %}><thead><tr>"
        "{% for heading, number in heads %}<th{% if number %} class=\"number\"{% endif %}>"
        "{{ heading }}</th>{% endfor %}</tr></thead><tbody>{% for row in rows %}<tr>"
        "{% for value, number in row %}<td{% if number %} class=\"number\"{% endif %}>"
        "{{ value }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>")
    heads = [(heading, column.style not in TEXT_STYLES or column.key in table.row_styles)
             for heading, column in zip(table.headings, table.columns, strict=True)]
    rows = [[(written(value, style), style.style not in TEXT_STYLES) for value, style in row]
            for row in table.rows()]
    return Markup(template.render(kind_of_table=kind_of_table, heads=heads, rows=rows))


@dataclass(frozen=True)
class Chart:
    picture: Markup
    caption: str


def charts(record: RunRecord) -> list[Chart]:
    kpis = record.kpis
    rows = [TierLead(tier, kpis.get(f"by_tier.{tier}.lead_time_h.p50"),
                     kpis.get(f"by_tier.{tier}.lead_time_h.p95"),
                     record.targets["down_h"][tier], kpis.get(f"by_tier.{tier}.on_time_rate"))
            for tier in SERVED_TIERS]
    tiers = Chart(lead_chart(rows, _("Lead time by where residents live")),
                  _("Lead time by where residents live ({tiers}), against the target of "
                    "each.").format(tiers=answers.listed(kind(RESIDENTS, t)
                                                         for t in SERVED_TIERS)))
    if not several_counties(record):
        return [tiers]
    counties = sorted(record.summary["by_county"],
                      key=lambda c: -(kpis.get(f"by_county.{c}.on_time_rate") or 0.0))
    shares = [(county, kpis.get(f"by_county.{county}.on_time_rate")) for county in counties]
    whole = kpis.get("on_time_rate")
    by_county = Chart(share_chart(shares, whole, _("On time by county"),
                                  _("whole network {share}").format(share=percent(whole))),
                      _("Parcels on time in each county: delivered within the target of "
                        "where their residents live."))
    return [tiers, by_county]


# Against the baseline

@dataclass(frozen=True)
class Comparison:
    said: str
    table: Markup


def comparison(record: RunRecord, baseline: RunRecord | None) -> Comparison | None:
    """The headline KPIs of this run and the baseline's, with the changes; or why there
    are none."""
    if baseline is None or baseline is record:
        return None
    before = comparable(record, baseline)
    made = baseline.made.strftime("%Y-%m-%d %H:%M")
    if before is None:
        return Comparison(_("The baseline ({scenario}, made {made}) is a run of another "
                            "network: its numbers are not compared with these.").format(
            scenario=baseline.summary["scenario"], made=made), Markup(""))
    rows = []
    for kpi in headline(record.summary):
        now, then = record.kpis.get(kpi.key), before.kpis.get(kpi.key)
        known = now is not None and then is not None and now == now and then == then
        rows.append([kpi.name, kpi.value(then), kpi.value(now),
                     kpi.change(now - then) if known else "-"])
    table = Table("comparison", pd.DataFrame(rows, columns=[c.key for c in COMPARISON]),
                  COMPARISON)
    return Comparison(_("The baseline: a run of the same network made {made}; settings that "
                        "differ: {changes}.").format(
        made=made, changes=answers.listed(differences(before.overrides, record.overrides))
        or _("none")), html_table(table, "comparison"))


def differences(before: Sequence[str], now: Sequence[str]) -> list[str]:
    """The settings two runs differ in, by name: "village vans: vehicles per base 2 → 3"
    ("as written" where a run kept the scenario's own value)."""
    old, new = _settings(before), _settings(now)
    as_written = _("as written")
    return [_("{setting}: {before} → {now}").format(
        setting=levers.setting_name(key),
        before=levers.setting_value(key, old.get(key, as_written)),
        now=levers.setting_value(key, new.get(key, as_written)))
        for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


def _settings(overrides: Sequence[str]) -> dict[str, str]:
    return dict(override.partition("=")[::2] for override in overrides)


