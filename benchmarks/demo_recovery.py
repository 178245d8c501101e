"""How well the differential stage recovers the demo's planted effects.

Run after the pipeline (`snakemake --cores 2`):  python benchmarks/demo_recovery.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from proteosig.simulate.evaluate import differential_recovery

ROOT = Path(__file__).resolve().parents[1]


def main(results: Path = ROOT / "results") -> None:
    tables = {
        path.stem: pd.read_csv(path, sep="\t")
        for path in sorted((results / "differential").glob("*_vs_HC.tsv"))
    }
    if not tables:
        sys.exit("no results/differential/*_vs_HC.tsv: run `snakemake --cores 2` first")
    truth = pd.read_csv(ROOT / "resources" / "demo" / "truth_effects.tsv", sep="\t")
    report = differential_recovery(tables, truth)
    with pd.option_context("display.width", 140, "display.precision", 2):
        print(report.to_string(index=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "results")
