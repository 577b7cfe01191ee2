"""A result table on the page, as `sim.results.columns` defines it: headings with their
units in the language in force, numbers with thousands separators, shares as %, the
readable name first and wide enough to read, the code last."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from rich.cells import cell_len

from sim.i18n import _
from sim.results.columns import DETAIL, Column, picked

WIDE = 24  # a name longer than this (in character cells) gets the widest column


def config(column: Column, values: pd.Series) -> object:
    """How the page draws one column: its heading, its width, how its values read."""
    heading = _(column.heading)
    if column.style == "text":
        # the readable name wide enough to read, the code narrower, the rest as they fit
        widest = max((cell_len(str(value)) for value in values), default=0)
        width = ("large" if widest > WIDE else "medium") if column.key == "name" else \
            "medium" if column.heading == DETAIL else None
        return st.column_config.TextColumn(heading, width=width)
    if column.style == "flag":
        return st.column_config.CheckboxColumn(heading)
    if column.style == "share":
        return st.column_config.NumberColumn(heading, format=f"%.{column.digits}f%%")
    digits = 0 if column.style == "count" else column.digits
    return st.column_config.NumberColumn(heading, format=f"%,.{digits}f")


def shown(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    """The frame as the page shows it: the table's columns only (never a helper column
    under its code), shares in per cent (the heading says %)."""
    out = picked(frame, columns).copy()
    for column in columns:
        if column.style == "share":
            out[column.key] = pd.to_numeric(out[column.key], errors="coerce") * 100
    return out


def table(frame: pd.DataFrame, columns: tuple[Column, ...]) -> None:
    """Draw `frame` (its columns picked by `columns`, in their order)."""
    st.dataframe(shown(frame, columns), hide_index=True, width="stretch",
                 column_config={column.key: config(column, frame[column.key])
                                for column in columns})
