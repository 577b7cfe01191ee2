"""Cut the tutorial network (configs/tutorial/nodes.csv) out of the Kaifeng node table.

Why: learners and tests need a network small enough to run in a fraction of a second yet made
of the same real pieces as the default scenario. The tutorial keeps 通许县's park,
four of its townships and the first eight villages of each (names, codes and generated
positions as in configs/kaifeng/nodes.csv). The county seat's population is scaled to the
share of 通许县's townships kept, so seat and villages stay in proportion.

Run from the repository root: python scripts/build_tutorial.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PARK = "P410222"
TOWNSHIPS = ("S410222101", "S410222102", "S410222104", "S410222204")
VILLAGES_PER_TOWNSHIP = 8


def build(kaifeng: pd.DataFrame) -> pd.DataFrame:
    """Gateway, hub, the park, the kept stations and their first villages, in table order."""
    stations = kaifeng[(kaifeng["kind"] == "station") & (kaifeng["parent"] == PARK)]
    kept_share = len(TOWNSHIPS) / len(stations)
    points = kaifeng[kaifeng["parent"].isin(TOWNSHIPS)].groupby("parent", sort=False).head(
        VILLAGES_PER_TOWNSHIP)
    table = pd.concat([
        kaifeng[kaifeng["kind"].isin(["gateway", "hub"])],
        kaifeng[kaifeng["id"] == PARK],
        stations[stations["id"].isin(TOWNSHIPS)],
        points,
    ])
    park = table["id"] == PARK
    table.loc[park, "population"] = (table.loc[park, "population"] * kept_share).round().astype(int)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "configs/kaifeng/nodes.csv")
    parser.add_argument("--out", type=Path, default=ROOT / "configs/tutorial/nodes.csv")
    args = parser.parse_args()
    kaifeng = pd.read_csv(args.source, dtype=str, keep_default_na=False)
    kaifeng["population"] = kaifeng["population"].astype(int)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    build(kaifeng).to_csv(args.out, index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
