"""Parts of the page that rerun alone when their own widgets change.

A fragment's rerun skips the top of the page, where the language is chosen, and runs in a
context of its own; so every fragment first speaks the language the page chose.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st

from sim.i18n import APP_DEFAULT, set_language

P = ParamSpec("P")
R = TypeVar("R")
LANGUAGE_KEY = "language"  # the page's language choice in the session


def fragment(draw: Callable[P, R]) -> Callable[P, R]:
    """`draw` as a Streamlit fragment that speaks the page's language."""

    @functools.wraps(draw)
    def in_language(*args: P.args, **kwargs: P.kwargs) -> R:
        set_language(st.session_state.get(LANGUAGE_KEY, APP_DEFAULT))
        return draw(*args, **kwargs)

    return st.fragment(in_language)
