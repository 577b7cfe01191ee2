"""KPIs as a planner reads them: a name with its unit, and values and changes written for
people (shares as %, changes of shares in points, numbers with thousands separators).

Cards, answers, the compare table and the sweep all name and write KPIs from this one
table, so a KPI reads the same wherever it appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from sim.i18n import N_, _, number, percent


class Measured(Protocol):
    """What cards and answers read of a run: a single network's (`RunRecord`) or a
    province's, its cities run apart (`ProvinceRecord`)."""

    @property
    def summary(self) -> dict: ...  # summary.json's layout

    @property
    def kpis(self) -> dict[str, float]: ...  # flat: dotted key -> value

    @property
    def targets(self) -> dict[str, dict[str, float]]: ...  # hours by flow and tier


Unit = Literal["share", "hours", "money", "count", "km", "kg", "tonnes"]


@dataclass(frozen=True)
class Kpi:
    key: str  # flat dotted summary key
    label: str  # N_: the name with its unit, translated where shown
    unit: Unit
    lower_is_better: bool | None  # None: neither (a volume)
    digits: int = 1

    @property
    def name(self) -> str:
        return _(self.label)

    def value(self, value: float | None) -> str:
        """The value as a planner reads it ('-' where there is none)."""
        if self.unit == "share":
            return percent(value)
        return number(value, self.digits)

    def change(self, change: float) -> str:
        """A change, signed: shares in percentage points."""
        if self.unit == "share":
            return _("{change} pts").format(change=_signed(100 * change, 1))
        return _signed(change, self.digits)

    def unchanged(self, change: float) -> bool:
        """Whether the change, as written, is nothing."""
        scaled, digits = (100 * change, 1) if self.unit == "share" else (change, self.digits)
        return round(abs(scaled), digits) == 0


def _signed(value: float, digits: int) -> str:
    if round(abs(value), digits) == 0:
        return "±" + number(0, digits)
    return ("+" if value > 0 else "-") + number(abs(value), digits)


KPIS = {kpi.key: kpi for kpi in [
    Kpi("lead_time_h.p50", N_("Lead time p50 (h)"), "hours", True),
    Kpi("lead_time_h.p95", N_("Lead time p95 (h)"), "hours", True),
    Kpi("lead_time_h.mean", N_("Mean lead time (h)"), "hours", True),
    Kpi("on_time_rate", N_("On time"), "share", False),
    Kpi("by_tier.point.lead_time_h.p95", N_("Villages: lead time p95 (h)"), "hours", True),
    Kpi("by_tier.point.on_time_rate", N_("Villages: on time"), "share", False),
    Kpi("cost.per_delivered_parcel", N_("CNY per delivered parcel"), "money", True, 2),
    Kpi("cost.per_parcel", N_("CNY per parcel created"), "money", True, 2),
    Kpi("parcels.in_network", N_("Parcels still inside at the end"), "count", True, 0),
    Kpi("parcels.measured", N_("Parcels created in the measured days"), "count", None, 0),
    Kpi("vehicle_km", N_("Vehicle-km (km)"), "km", True, 0),
    Kpi("co2_kg", N_("CO2 (kg)"), "kg", True, 0),
    Kpi("cold_chain.spoilage_rate", N_("Cold-chain spoilage"), "share", True),
    Kpi("cold_chain.cost.cold_chain_per_tonne", N_("Cold-chain cost per tonne (CNY/t)"),
        "money", True),
    Kpi("cold_chain.reefer_km", N_("Reefer km (km)"), "km", True, 0),
    Kpi("cold_chain.tonnes_per_day", N_("Goods delivered per day (t)"), "tonnes", None),
]}

HEADLINE = ["lead_time_h.p50", "lead_time_h.p95", "on_time_rate",
            "by_tier.point.lead_time_h.p95", "by_tier.point.on_time_rate",
            "cost.per_delivered_parcel", "cost.per_parcel", "parcels.in_network", "vehicle_km"]
GOODS = ["cold_chain.spoilage_rate", "cold_chain.cost.cold_chain_per_tonne",
         "cold_chain.reefer_km", "cold_chain.tonnes_per_day"]


def headline(summary: dict) -> list[Kpi]:
    """The KPIs a comparison shows: the parcels', and the cold chain's where there are
    goods."""
    return [KPIS[key] for key in HEADLINE + (GOODS if "cold_chain" in summary else [])]
