"""Every word a user reads, from gettext catalogues: 简体中文 first, English too.

Source strings are English and marked in the code with `_()` (translated where they are
shown) or `N_()` (a constant translated later). The catalogues are Babel's `.po` files under
`sim/locale/<locale>/`, one file per part of the program (the app, the command line, the
names of things), read and merged when a language is first used; a test checks that every
marked string has a translation in every language.

The language in force is a context variable: the command line sets it once (`--lang`, else
the locale of the environment), the app at the top of each run of its page, so concurrent
sessions of the app each speak their own.
"""

from __future__ import annotations

import gettext
import io
import locale as system_locale
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALES = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"zh": "zh_CN", "en": "en"}  # the code users choose -> the catalogue's locale
NAMES = {"zh": "简体中文", "en": "English"}
APP_DEFAULT = "zh"

_language: ContextVar[str] = ContextVar("language", default="en")


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The merged catalogue of one language (every .po file of its locale)."""
    merged = Catalog(locale=LANGUAGES[language])
    for path in sorted((LOCALES / LANGUAGES[language]).glob("*.po")):
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=LANGUAGES[language])
        for message in catalogue:
            if message.id:
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def language() -> str:
    """The language in force: 'zh' or 'en'."""
    return _language.get()


def set_language(code: str) -> None:
    """Speak `code` from now on in this context (a command, or one run of the app's page)."""
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; known: {', '.join(LANGUAGES)}")
    _language.set(code)


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """Speak `code` inside the block only."""
    token = _language.set(code)
    try:
        yield
    finally:
        _language.reset(token)


def environment_language(environ: dict[str, str] | None = None) -> str:
    """'zh' where the environment's locale is Chinese (LC_ALL, LC_MESSAGES, LANG), else
    'en'."""
    environ = dict(os.environ) if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    found = system_locale.getlocale()[0] or ""
    return "zh" if found.lower().startswith("zh") else "en"


def _(message: str) -> str:
    """`message` in the language in force."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the language in force."""
    return translations(_language.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark `message` for translation where it is shown, not here."""
    return message


def number(value: float | int | None, digits: int = 0) -> str:
    """A number with thousands separators ('12,345.6'); '-' where there is none."""
    if value is None or value != value:
        return "-"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LANGUAGES[_language.get()])


def percent(share: float | None, digits: int = 1) -> str:
    """A share as a percentage ('92.7%'); '-' where there is none."""
    if share is None or share != share:
        return "-"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(share, format=pattern, locale=LANGUAGES[_language.get()])
