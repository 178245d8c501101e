"""Command line: ``proteosig simulate-demo`` and ``simulate-two-runs`` (the pipeline itself
runs with ``snakemake``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proteosig.errors import InputError


def _simulate_demo(args: argparse.Namespace) -> None:
    from proteosig.simulate import write_demo

    paths = write_demo(args.out, seed=args.seed, th2_subset_fraction=args.th2_subset_fraction)
    for path in paths:
        print(path)


def _simulate_two_runs(args: argparse.Namespace) -> None:
    from proteosig.simulate.two_runs import write_two_runs

    for path in write_two_runs(args.demo, args.out, seed=args.seed, n_bridge=args.bridge):
        print(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="proteosig", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "simulate-demo",
        help="regenerate the SYNTHETIC demo cohort (resources/demo) from its seed",
        description="Simulate the He et al.-shaped demo cohort: 32 HC, 30 AD, 21 PSO, 25 MDD, "
        "Olink Target 96 INF/CVD II/CVD III/NEU, baseline from Gisby et al. serum data, "
        "planted literature effects. Output is byte-identical for a given seed.",
    )
    demo.add_argument("--out", type=Path, default=Path("resources/demo"))
    demo.add_argument("--seed", type=int, default=20260521)
    demo.add_argument(
        "--th2-subset-fraction",
        type=float,
        default=0.5,
        help="fraction of MDD patients carrying the AD-like Th2 signature (default 0.5)",
    )
    demo.set_defaults(run=_simulate_demo)
    two_runs = commands.add_parser(
        "simulate-two-runs",
        help="regenerate the SYNTHETIC two-run demo (resources/demo_two_runs) for bridging",
        description="Split the demo cohort into two Olink runs with planted per-assay run "
        "offsets and bridge samples measured in both. Output is byte-identical for a given "
        "seed.",
    )
    two_runs.add_argument("--demo", type=Path, default=Path("resources/demo"))
    two_runs.add_argument("--out", type=Path, default=Path("resources/demo_two_runs"))
    two_runs.add_argument("--seed", type=int, default=20261126)
    two_runs.add_argument("--bridge", type=int, default=12, help="bridge samples (default 12)")
    two_runs.set_defaults(run=_simulate_two_runs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except InputError as err:
        print(f"proteosig error: {err.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
