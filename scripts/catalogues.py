"""Keep the message catalogues in step with the code.

    python scripts/catalogues.py [--only sim/ui/maps.py ...]  # add missing, drop unused
    python scripts/catalogues.py --check                        # change nothing; exit 1 if
                                                                # a string is missing

Every string marked with `_()`, `N_()` or `ngettext()` in sim/ and app.py has one home: the
catalogue file of the source file that first uses it (sim/locale/<locale>/sim.ui.maps.po for
sim/ui/maps.py), so people working on different files never edit the same catalogue.
Missing strings are added, to English as written and to Chinese with the translation some
other catalogue already has, else empty, to be translated by hand; strings no longer used
are dropped. `--only` limits the files written to those of the given source files.
tests/test_i18n.py fails while any string lacks a translation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "sim" / "locale"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
LANGUAGE_LOCALES = ("zh_CN", "en")

Message = str | tuple[str, str]


def key(message: Message) -> str:
    return message if isinstance(message, str) else message[0]


def part_of(source: str) -> str:
    """The catalogue file of a source file: sim/ui/maps.py -> sim.ui.maps.po."""
    return source.removesuffix(".py").replace("/", ".") + ".po"


def extracted() -> dict[Message, str]:
    """Every marked message of the code -> the catalogue file it belongs to."""
    found: dict[Message, str] = {}
    sources = [ROOT / "app.py", *sorted((ROOT / "sim").rglob("*.py"))]
    for source in sources:
        relative = source.relative_to(ROOT).as_posix()
        for _name, _line, message, *_rest in extract_from_dir(
                source.parent, method_map=[(source.name, "python")], keywords=KEYWORDS):
            found.setdefault(message, part_of(relative))
    return found


def read(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, project="county-express-sim")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--only", nargs="*", default=None,
                        help="source files whose catalogues to write")
    args = parser.parse_args()
    messages = extracted()
    parts = sorted(set(messages.values()))
    only = None if args.only is None else {part_of(path) for path in args.only}
    missing = 0
    for locale in LANGUAGE_LOCALES:
        folder = LOCALES / locale
        existing = {part.name: read(part, locale) for part in sorted(folder.glob("*.po"))}
        known = {message.id if isinstance(message.id, str) else message.id[0]: message.string
                 for catalogue in existing.values() for message in catalogue if message.id}
        for part in sorted(set(parts) | set(existing)):
            catalogue = existing.get(part) or read(folder / part, locale)
            wanted = {key(m): m for m, p in messages.items() if p == part}
            for name, message in wanted.items():
                if name in catalogue:
                    continue
                missing += 1
                empty = "" if isinstance(message, str) else ("", "")
                string = message if locale == "en" else known.get(name) or empty
                catalogue.add(message, string)
            for message in list(catalogue):
                if message.id and key(message.id) not in wanted:
                    del catalogue[message.id]
            for message in catalogue:
                done = message.string if isinstance(message.string, str) \
                    else all(message.string)
                if message.id and not done:
                    print(f"{locale}/{part}: untranslated: {key(message.id)}")
            if args.check or (only is not None and part not in only):
                continue
            if not len(catalogue):
                (folder / part).unlink(missing_ok=True)
                continue
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / part).open("wb") as handle:
                write_po(handle, catalogue, width=100, sort_output=True, omit_header=True)
    print(f"{missing} missing message(s)" + ("" if args.check else " added"))
    return 1 if args.check and missing else 0


if __name__ == "__main__":
    sys.exit(main())
