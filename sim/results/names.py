"""Readable names of places and resources, in the language in force.

Places keep their own names, as the node table writes them (杞县电商快递物流园, 城关镇,
杨岗村), in every language. Resources are named by their place and what they are
("杞县电商快递物流园 分拣线", "城关镇 → 村级网点 第2条线路"); their codes
(`route:village:S410225103:2`) belong in a detail column only. Kinds of things (tiers,
fleets, operating modes, flows) come from the message catalogues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sim.i18n import N_, _

TIERS = {"gateway": N_("provincial gateway"), "hub": N_("city distribution centre"),
         "park": N_("county logistics park"), "station": N_("township service station"),
         "point": N_("village service point")}
# where a parcel's resident lives: the tier of the node that serves them
RESIDENTS = {"park": N_("county seat"), "station": N_("township town"),
             "point": N_("village")}
FLEETS = {"trunk": N_("trunk (gateway to hub)"), "line_haul": N_("line haul (hub to parks)"),
          "township": N_("township vans (park to stations)"),
          "village": N_("village vans (station to villages)"),
          "courier": N_("county-seat door delivery"),
          "bus_township": N_("bus lines (county seat to townships)"),
          "bus_village": N_("bus lines (township to villages)")}
MODES = {"joint": N_("joint distribution"), "separate": N_("each carrier its own vans"),
         "bus": N_("by bus (passenger-freight-mail)"),
         "station_pickup": N_("pickup at the station"),
         "county seat": N_("door delivery in the county seat")}
FLOWS = {"down": N_("downward (to residents)"), "up": N_("upward (from residents)")}
# what a route's stops are, by its fleet: "<base> → <stops> loop n"
STOPS = {"trunk": N_("city distribution centre"), "line_haul": N_("county logistics parks"),
         "township": N_("township stations"), "village": N_("village points"),
         "bus_township": N_("township stations by bus"),
         "bus_village": N_("village points by bus")}


def kind(table: Mapping[str, str], code: str) -> str:
    """A kind of thing (tier, fleet, mode, flow) by its code, translated; unknown codes as
    they are."""
    return _(table[code]) if code in table else code


@dataclass(frozen=True)
class Names:
    """The node table's names, by node id."""

    of_node: Mapping[str, str]

    def node(self, node_id: str) -> str:
        """A place's own name (its id where the table gives none)."""
        return self.of_node.get(node_id) or node_id

    def resource(self, resource: str) -> str:
        """A bottleneck-table resource (`sorting:P410221`, `route:village:S410225103:2`,
        `route:village:S410225103:ZTO:2`, `route:courier:P410221`, `shelf:V...`) by name."""
        what, _sep, rest = resource.partition(":")
        if what == "sorting":
            return _("{place} sorting line").format(place=self.node(rest))
        if what == "shelf":
            return _("{place} shelf").format(place=self.node(rest))
        if what == "route":
            return self.route(rest)
        return resource

    def route(self, name: str) -> str:
        """A route by its name (`village:S410225103:2`, with a carrier `...:ZTO:2`)."""
        fleet, _sep, rest = name.partition(":")
        parts = rest.split(":")
        base = self.node(parts[0])
        if fleet == "courier":
            return _("{place} door delivery in the county seat").format(place=base)
        carrier = parts[1] + " " if len(parts) == 3 else ""
        loop = parts[-1] if len(parts) > 1 else "1"
        return _("{base} → {stops} {carrier}loop {number}").format(
            base=base, stops=kind(STOPS, fleet), carrier=carrier, number=loop)
