"""Cold chain: goods by product, hubs and cold storage, reefers and trucks."""

from __future__ import annotations

import streamlit as st

from sim.results.goods import fleet_frame, hub_frame, product_frame


def show(chain: dict) -> None:
    st.subheader("Goods by product")
    st.dataframe(product_frame(chain), hide_index=True, width="stretch")
    st.caption("Spoilage: tonnes spoiled over tonnes made in the measured window. Out of cold:"
               " hours out of refrigeration, p95 over the lots done.")
    st.subheader("Hubs and cold storage")
    st.dataframe(hub_frame(chain), hide_index=True, width="stretch")
    st.subheader("Reefers and trucks")
    st.dataframe(fleet_frame(chain), hide_index=True, width="stretch")
    cost = chain["cost"]
    st.caption(f"{chain['tonnes_per_day']:,.0f} t a day delivered; reefer-km "
               f"{chain['reefer_km']:,.0f}; cold chain "
               f"{cost['cold_chain_per_tonne'] or float('nan'):,.0f} per tonne.")
