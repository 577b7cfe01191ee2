"""Cut one whole county (park, every township and village) out of the Kaifeng node table.

Why: operating-mode comparisons need a real county with all its villages, small enough to
sweep quickly. Writes the gateway, the hub and the county's subtree, as in
configs/kaifeng/nodes.csv (names and codes real, positions generated).

    python scripts/build_county.py --county 通许县 --out configs/modes/nodes.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def county_table(kaifeng: pd.DataFrame, county: str) -> pd.DataFrame:
    keep = kaifeng["kind"].isin(["gateway", "hub"]) | (kaifeng["county"] == county)
    table = kaifeng[keep]
    if not (table["kind"] == "park").any():
        raise SystemExit(f"no county {county!r} in the table")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--county", default="通许县",
                        help="the county as the node table's `county` column names it")
    parser.add_argument("--source", type=Path, default=ROOT / "configs/kaifeng/nodes.csv")
    parser.add_argument("--out", type=Path, default=ROOT / "configs/modes/nodes.csv")
    args = parser.parse_args()
    kaifeng = pd.read_csv(args.source, dtype=str, keep_default_na=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    county_table(kaifeng, args.county).to_csv(args.out, index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
