"""``python -m vaebook.experiments [GRID]``: list the grids, or run one (see :mod:`.runner`)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from vaebook.experiments import runner


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m vaebook.experiments",
        description="Run a grid of arms x seeds and write one record per run (resumable: a "
                    "finished record is skipped). Without GRID, list the grids.")
    p.add_argument("grid", nargs="?", help="the grid to run (omit to list them)")
    p.add_argument("--arms", nargs="+", default=None, help="arms to run (default: all)")
    p.add_argument("--seeds", default="final",
                   help="'final' (default), 'pilot', or a list such as 0-13 or 0,2,5")
    p.add_argument("--out", type=Path, default=runner.RECORDS_DIR,
                   help=f"records folder (default: the package's, {runner.RECORDS_DIR})")
    p.add_argument("--workers", type=int, default=None,
                   help="parallel runs (default: the core count; 1 runs in this process)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per run (default 1)")
    p.add_argument("--backend", choices=runner.BACKENDS, default="local",
                   help="local processes, or ray (pip install 'vaebook[cluster]')")
    p.add_argument("--address", default=None,
                   help="Ray cluster address, e.g. 'auto' (default: start a local Ray)")
    p.add_argument("--device", default="cpu", help="'cpu' or 'cuda'")
    p.add_argument("--dry-run", action="store_true", help="say what would run, run nothing")
    return p


def _list() -> None:
    runner.get_grid("tiny")  # registers the book's grids
    for name, grid in sorted(runner.GRIDS.items()):
        pilots = f", pilot seeds {grid.pilot_seeds[0]}-{grid.pilot_seeds[-1]}" if grid.pilot_seeds else ""
        print(f"{name}: {grid.description}")
        print(f"    arms: {', '.join(grid.arms)}; final seeds {grid.seeds[0]}-{grid.seeds[-1]}{pilots}")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.grid is None:
        _list()
        return 0
    try:
        grid = runner.get_grid(args.grid)
        seeds = runner.parse_seeds(args.seeds, grid)
        arms = tuple(grid.arms) if args.arms is None else tuple(args.arms)
        for arm in arms:
            grid.config(arm)
        for flag, value in (("--workers", args.workers), ("--threads", args.threads)):
            if value is not None and value < 1:
                raise ValueError(f"{flag} must be >= 1, got {value}")
        if args.out.exists() and not args.out.is_dir():
            raise ValueError(f"--out must be a folder, but {args.out} is a file")
    except ValueError as err:
        parser.error(str(err))
    if args.dry_run:
        todo, done = runner.plan(grid, arms, seeds, args.out)
        print(f"{grid.name}: {len(todo)} runs to do, {len(done)} finished records under {args.out}")
        for arm, seed in todo:
            print(f"    {arm}/s{seed}")
        return 0
    command = "python -m vaebook.experiments " + shlex.join(sys.argv[1:] if argv is None else argv)
    try:
        summary = runner.run_grid(grid.name, arms=arms, seeds=seeds, out=args.out,
                                  workers=args.workers, threads=args.threads,
                                  backend=args.backend, address=args.address, device=args.device,
                                  command=command)
    except KeyboardInterrupt:
        print("interrupted: finished records are kept, no partial file was written; "
              "run the same command again to resume", file=sys.stderr)
        return 130
    except (ValueError, ImportError) as err:
        parser.error(str(err))
    print(f"{grid.name}: {len(summary['ran'])} runs in {summary['seconds']:.0f} s, "
          f"{len(summary['skipped'])} finished records skipped; records in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
