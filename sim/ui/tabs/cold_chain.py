"""Cold chain: spoilage product by product (one product can lose a sixth while all goods
lose little), goods by product and by place, hubs and cold storage, reefers and trucks."""

from __future__ import annotations

import streamlit as st

from sim.i18n import _, number, percent
from sim.results.columns import (
    FREIGHT_FLEETS,
    HUBS,
    PLACES,
    PRODUCTS,
    freight_fleet_rows,
    hub_rows,
    place_rows,
    product_rows,
)
from sim.results.goods import fleet_frame, hub_frame, place_frame, product_frame
from sim.results.names import Names, listed
from sim.ui.runs import RunRecord
from sim.ui.tables import table


def show(record: RunRecord) -> None:
    chain, names = record.summary["cold_chain"], record.names
    st.subheader(_("Spoilage"))
    st.markdown(spoilage_sentence(chain, names))
    products = product_frame(chain)
    made = products["made_t"] > 0
    st.subheader(_("Goods by product"))
    table(product_rows(products[made], names), PRODUCTS)
    idle = [names.product(p) for p in products.loc[~made, "product"]]
    st.caption(_("Spoiled: tonnes spoiled over tonnes made in the measured days. Lead time: from"
                 " made to delivered. Out of refrigeration: hours without cold, over the lots"
                 " done."))
    if idle:
        st.caption(_("Not made in the measured days (out of season): {products}.").format(
            products=listed(idle)))
    st.subheader(_("Spoilage by product and place"))
    places = place_frame(chain)
    table(place_rows(places[places["made_t"] > 0], names), PLACES)
    st.subheader(_("Hubs and cold storage"))
    table(hub_rows(hub_frame(chain), names), HUBS)
    st.subheader(_("Reefers and trucks"))
    table(freight_fleet_rows(fleet_frame(chain), names), FREIGHT_FLEETS)
    cost = chain["cost"]
    st.caption(_("{tonnes} t a day delivered; {reefer_km} reefer-km and {truck_km} truck-km;"
                 " the cold chain costs {cost} CNY per tonne of chilled and frozen goods"
                 " delivered.").format(
        tonnes=number(chain["tonnes_per_day"]), reefer_km=number(chain["reefer_km"]),
        truck_km=number(chain["truck_km"]), cost=number(cost["cold_chain_per_tonne"])))


def spoilage_sentence(chain: dict, names: Names) -> str:
    """All chilled and frozen goods' spoilage, then each such product's, the worst first."""
    cold = sorted(((block["spoilage_rate"], name) for name, block in chain["products"].items()
                   if block["chain"] != "ambient" and block["made_t"] > 0),
                  key=lambda pair: -pair[0])
    if not cold:
        return _("No chilled or frozen goods were made in the measured days.")
    each = listed([_("{product} {share}").format(product=names.product(name),
                                                 share=percent(share)) for share, name in cold])
    return _("Chilled and frozen goods lost {share} by weight: {products}.").format(
        share=percent(chain["spoilage_rate"]), products=each)
