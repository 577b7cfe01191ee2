"""Every string a user reads has a translation in every language, and the catalogues hold
nothing the code no longer says."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from scripts.catalogues import LANGUAGE_LOCALES, LOCALES, extracted, key
from sim import i18n

FIELDS = re.compile(r"\{[^{}]*\}")


def catalogues(locale: str) -> dict[str, dict]:
    """Catalogue file -> {message id: message} of one locale."""
    found = {}
    for path in sorted((LOCALES / locale).glob("*.po")):
        with path.open("rb") as handle:
            found[path.name] = {key(m.id): m for m in read_po(handle, locale=locale) if m.id}
    return found


@pytest.mark.parametrize("locale", LANGUAGE_LOCALES)
def test_every_marked_string_is_translated(locale):
    parts = catalogues(locale)
    messages = {key(message): part for message, part in extracted().items()}
    assert messages, "no marked strings found"
    missing = [f"{part}: {name}" for name, part in messages.items()
               if name not in parts.get(part, {})]
    assert not missing, "not in the catalogues (run scripts/catalogues.py):\n" + "\n".join(
        missing)
    untranslated = [f"{part}: {name}" for part, entries in parts.items()
                    for name, message in entries.items()
                    if not (message.string if isinstance(message.string, str)
                            else all(message.string))]
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)


@pytest.mark.parametrize("locale", LANGUAGE_LOCALES)
def test_the_catalogues_hold_only_what_the_code_says_and_each_string_once(locale):
    messages = {key(message) for message in extracted()}
    seen: dict[str, str] = {}
    for part, entries in catalogues(locale).items():
        for name in entries:
            assert name in messages, f"{part}: {name!r} is no longer used"
            assert name not in seen, f"{name!r} is in {seen.get(name)} and {part}"
            seen[name] = part


@pytest.mark.parametrize("locale", LANGUAGE_LOCALES)
def test_a_translation_keeps_every_field_of_its_message(locale):
    for part, entries in catalogues(locale).items():
        for name, message in entries.items():
            strings = [message.string] if isinstance(message.string, str) else message.string
            for string in strings:
                assert sorted(FIELDS.findall(string)) == sorted(FIELDS.findall(name)), (
                    f"{part}: {name!r} -> {string!r}")


def test_numbers_and_shares_are_written_for_people():
    with i18n.speaking("zh"):
        assert i18n.number(1234567.891, 1) == "1,234,567.9"
        assert i18n.percent(0.92741) == "92.7%"
        assert i18n.number(None) == "-"
    assert i18n.language() == "en"


def test_the_language_follows_the_environment():
    assert i18n.environment_language({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.environment_language({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN"}) == "en"
    assert i18n.environment_language({"LANG": "C.UTF-8"}) == "en"
