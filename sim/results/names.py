"""Readable names of places, resources and goods, in the language in force.

Places keep their own names, as the node table writes them (杞县电商快递物流园, 城关镇,
杨岗村), in every language; so do the city's hubs, by their `label` (杞县国家级冷链物流基地),
which are places too. Resources are named by their place and what they are
("杞县电商快递物流园 分拣线", "城关镇 → 村级网点 第2条线路"); their codes
(`route:village:S410225103:2`) belong in a detail column only. Kinds of things (tiers,
fleets, operating modes, flows) come from the message catalogues.

Products and carriers are named by their `label` in Chinese (双孢菇, 中国邮政): the name
planners know them by. The scenario has no English label for them, so in English, and in
Chinese where a scenario gives no label, they are named by their `name` with underscores
written as spaces (frozen_food -> "frozen food", China Post as it is). A hub without a label
is named the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from babel.lists import format_list

from sim.i18n import LANGUAGES, N_, _, language
from sim.scenario import LoadedScenario

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
DISRUPTION_KINDS = {
    "road": N_("roads closed or slowed"),
    "facility": N_("sorting line down or slowed"),
    "closure": N_("stations or points closed"),
    "fleet": N_("vehicles out of service"),
    "arrivals": N_("trunk inflow stopped"),
    "power": N_("cold store without power"),
}
STOPS = {"trunk": N_("city distribution centre"), "line_haul": N_("county logistics parks"),
         "township": N_("township stations"), "village": N_("village points"),
         "bus_township": N_("township stations by bus"),
         "bus_village": N_("village points by bus")}
# the jobs of a hub's fleets (`collect:qi_base`)
FREIGHT_JOBS = {"line_haul": N_("line haul to the provincial gateway"),
                "collect": N_("collection from township cold rooms"),
                "distribute": N_("distribution to village freezers")}
# where goods go, by a product's flow
GOODS_FLOWS = {"up": N_("farm products out"), "down": N_("frozen food to villages"),
               "out": N_("freight out"), "in": N_("freight in")}
# the rows of the bottleneck table, by their `kind`
RESOURCES = {"sorting line": N_("sorting line"), "vehicle route": N_("vehicle route"),
             "village shelf": N_("village shelf")}


def kind(table: Mapping[str, str], code: str) -> str:
    """A kind of thing (tier, fleet, mode, flow) by its code, translated; unknown codes as
    they are."""
    return _(table[code]) if code in table else code


def listed(words: Sequence[str]) -> str:
    """Words as a list in the language in force ('a, b, and c'; 'a、b和c')."""
    return format_list(list(words), locale=LANGUAGES[language()]) if words else ""


def spaced(code: str) -> str:
    """A code as words: its underscores as spaces (frozen_food -> 'frozen food')."""
    return code.replace("_", " ")


@dataclass(frozen=True)
class Names:
    """The scenario's names: nodes by id; hubs, products and carriers by their `name`,
    each mapped to its `label` (empty where the scenario gives none)."""

    of_node: Mapping[str, str]
    of_hub: Mapping[str, str] = field(default_factory=dict)
    of_product: Mapping[str, str] = field(default_factory=dict)
    of_carrier: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: LoadedScenario) -> Names:
        """Every name a scenario gives: its node table's and its labels."""
        nodes, config = scenario.nodes, scenario.config
        return cls(
            of_node=dict(zip(nodes["id"].astype(str), nodes["name"].fillna("").astype(str),
                             strict=True)),
            of_hub={hub.name: hub.label for hub in config.hubs},
            of_product={product.name: product.label for product in config.products},
            of_carrier={carrier.name: carrier.label for carrier in config.carriers})

    def node(self, node_id: str) -> str:
        """A place's own name (its id where the table gives none)."""
        return self.of_node.get(node_id) or node_id

    def hub(self, name: str) -> str:
        """A hub by its label, in every language (it is a place)."""
        return self.of_hub.get(name) or spaced(name)

    def product(self, name: str) -> str:
        """A product: its label in Chinese, its name as words in English."""
        return _labelled(self.of_product, name)

    def carrier(self, name: str) -> str:
        """A carrier: its label in Chinese, its name as words in English."""
        return _labelled(self.of_carrier, name)

    def place(self, name: str) -> str:
        """Where goods come from or go to (a product's `by_county` key): a county as the
        node table names it, or a hub."""
        return self.hub(name) if name in self.of_hub else name

    def freight_fleet(self, name: str) -> str:
        """A hub's fleet by its name (`collect:qi_base`): the hub and the fleet's job."""
        job, _sep, hub = name.partition(":")
        return _("{hub} {job}").format(hub=self.hub(hub), job=kind(FREIGHT_JOBS, job))

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
        carrier = self.carrier(parts[1]) + " " if len(parts) == 3 else ""
        loop = parts[-1] if len(parts) > 1 else "1"
        return _("{base} → {stops} {carrier}loop {number}").format(
            base=base, stops=kind(STOPS, fleet), carrier=carrier, number=loop)


def _labelled(labels: Mapping[str, str], name: str) -> str:
    """A label in Chinese, where there is one; otherwise, and in English, the name as
    words."""
    label = labels.get(name, "")
    return label if label and language() == "zh" else spaced(name)
