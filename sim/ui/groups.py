"""Lever groups of the sidebar: expanders whose levers are drawn only while open, and whose
values are kept while closed.

Their own module so that the sidebar and the lever groups it draws from other modules (the
disruptions) share one way of keeping a lever."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.elements.lib.mutable_expander_container import ExpanderContainer

T = TypeVar("T")
GROUP = "group:"  # a lever group's open state in the session, by the group's key
KEPT = "kept:"  # a lever's last value in the session, by its widget's key


def lever_group(title: str, key: str) -> ExpanderContainer:
    """An expander whose levers are drawn only while it is open (its `.open`): a closed group
    puts nothing on the page, which every map move redraws (docs/performance.md)."""
    return st.expander(title, key=f"{GROUP}{key}", on_change="rerun")


def kept(group: ExpanderContainer, key: str, default: T, draw: Callable[[T], T]) -> T:
    """A lever's value: drawn in its group while the group is open, and kept while it is
    closed (Streamlit forgets a widget it does not draw), else the scenario's own."""
    value = st.session_state.get(KEPT + key, default)
    if group.open:
        with group:
            value = draw(value)
        st.session_state[KEPT + key] = value
    return value

