"""The experiment runner: grids of arms x seeds, one *record* per run, resumable, in parallel.

A **grid** names a run function and its **arms** (configurations); a **run** is one (arm, seed)
and a pure function of (config, seed): every stochastic part draws from its own stream derived
from the seed (:mod:`vaebook.seeding`), so two arms with one seed are paired by construction.
Each run writes a **record**, ``OUT/GRID/ARM/s{seed}.json``::

    {"grid", "arm", "seed", "config", "key",        # what was run (key: hash of all of it)
     "evaluation": {...}, "history": {...},         # the numbers the chapters read
     "provenance": {"command", "version", "constraints_sha256", "designs": {design: hash},
                    "wall_seconds", "cpu_seconds", "threads", "device", "machine", "finished"},
     "weights": "s0.pt" or null}                    # float16 weights, only where kept

A run whose record exists with the same key (grid, arm, config, seed) and, for a final seed of a
committed design, that design's current hash, is skipped (resume by re-running the command);
records and weights are written atomically by this process (workers return their results), so
Ctrl-C leaves no half-written file. Backends: ``local`` (worker processes with one thread each,
or the run in this process when ``workers=1``) and ``ray`` (any Ray cluster, e.g. a GPU box:
``pip install 'vaebook[cluster]'``). The command line is ``python -m vaebook.experiments``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from vaebook.checks import InputTypeError, check_int, check_str
from vaebook.experiments import provenance
from vaebook.train import atomic_write, progress_enabled

__all__ = ["Grid", "RunResult", "GRIDS", "RECORDS_DIR", "register", "get_grid", "parse_seeds",
           "record_path", "run_key", "execute", "write_record", "read_record", "load_records",
           "load_weights", "plan", "run_grid", "machine"]

RECORDS_DIR = Path(__file__).resolve().parent.parent / "records"
BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class RunResult:
    """What a run function returns: its evaluation numbers, training history and weights."""

    evaluation: dict[str, Any]
    history: dict[str, Any]
    state_dict: dict[str, torch.Tensor] | None = None


RunFn = Callable[[Mapping[str, Any], int, str], RunResult]


@dataclass(frozen=True)
class Grid:
    """Arms x seeds of one experiment.

    name: the grid's name on the command line; run: ``run(config, seed, device) -> RunResult``;
    arms: arm name -> config (plain JSON values); seeds: the default seeds (the finals);
    pilot_seeds: seeds for pilots, disjoint from the finals; keep_weights: arm -> seeds whose
    float16 weights are written beside the record (for a figure or a live check);
    description: one line for the grid list.
    """

    name: str
    run: RunFn
    arms: Mapping[str, Mapping[str, Any]]
    seeds: tuple[int, ...]
    description: str
    pilot_seeds: tuple[int, ...] = ()
    keep_weights: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_str(self.name, "name")
        if not self.arms:
            raise ValueError(f"grid {self.name!r} has no arms")
        overlap = set(self.seeds) & set(self.pilot_seeds)
        if overlap:
            raise ValueError(f"grid {self.name!r}: pilot seeds must be disjoint from the final "
                             f"seeds, both hold {sorted(overlap)}")
        for arm in self.keep_weights:
            if arm not in self.arms:
                raise ValueError(f"grid {self.name!r}: keep_weights names unknown arm {arm!r}")

    def config(self, arm: str) -> dict[str, Any]:
        """The arm's configuration (a copy); a clear error for an unknown arm."""
        if arm not in self.arms:
            raise ValueError(f"grid {self.name!r} has no arm {arm!r}; its arms are "
                             f"{', '.join(self.arms)}")
        return json.loads(json.dumps(self.arms[arm]))


GRIDS: dict[str, Grid] = {}


def register(grid: Grid) -> Grid:
    """Add ``grid`` to :data:`GRIDS` (names are unique)."""
    if not isinstance(grid, Grid):
        raise InputTypeError(f"register takes a Grid, got {type(grid).__name__}")
    if grid.name in GRIDS and GRIDS[grid.name] is not grid:
        raise ValueError(f"a grid named {grid.name!r} is already registered")
    GRIDS[grid.name] = grid
    return grid


def get_grid(name: str) -> Grid:
    """The registered grid ``name``; a clear error listing the grids for an unknown one."""
    from vaebook.experiments import grids  # noqa: F401  (registers the book's grids)

    check_str(name, "grid")
    if name not in GRIDS:
        raise ValueError(f"unknown grid {name!r}; the grids are {', '.join(sorted(GRIDS))} "
                         f"(python -m vaebook.experiments lists them)")
    return GRIDS[name]


def parse_seeds(text: str | Iterable[int], grid: Grid | None = None) -> tuple[int, ...]:
    """Seeds from '0-4', '0,1,5', '100-104', 'final' or 'pilot' (a grid's), or a list of ints.

    Seeds are ints >= 0 without repeats; a clear error otherwise.
    """
    if isinstance(text, str):
        word = text.strip()
        if word in ("final", "pilot"):
            if grid is None:
                raise ValueError(f"seeds {word!r} needs a grid")
            seeds = grid.seeds if word == "final" else grid.pilot_seeds
            if not seeds:
                raise ValueError(f"grid {grid.name!r} has no {word} seeds")
            return tuple(seeds)
        out: list[int] = []
        for part in word.split(","):
            part = part.strip()
            lo, dash, hi = part.partition("-")
            try:
                if dash:
                    a, b = int(lo), int(hi)
                    if b < a:
                        raise ValueError
                    out.extend(range(a, b + 1))
                else:
                    out.append(int(part))
            except ValueError:
                raise ValueError(f"bad seed list {text!r}: use ints >= 0 such as '0-4', "
                                 f"'0,2,7', 'final' or 'pilot'") from None
        seeds = tuple(out)
    else:
        if isinstance(text, (bytes, Mapping)) or not hasattr(text, "__iter__"):
            raise InputTypeError(f"seeds must be a string or a list of ints, got {text!r}")
        seeds = tuple(check_int(s, "seed", minimum=0) for s in text)
    if not seeds:
        raise ValueError("the seed list is empty")
    if any(s < 0 for s in seeds):
        raise ValueError(f"seeds must be >= 0, got {seeds}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must not repeat, got {seeds}")
    return seeds


def _sha(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def run_key(grid: str, arm: str, config: Mapping[str, Any], seed: int) -> str:
    """The hash that identifies a run: grid, arm, config and seed (a record with another key is
    stale: its config changed)."""
    return _sha(dict(grid=grid, arm=arm, config=config, seed=seed))


def _designs_for(grid: str, arm: str, seed: int) -> dict[str, str]:
    from vaebook import designs

    return designs.hashes_for_run(grid, arm, seed)


def machine() -> dict[str, Any]:
    """This machine in a few words: CPU model, core count, platform, torch's device."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return dict(cpu=cpu, cores=os.cpu_count(), platform=platform.platform(), gpu=gpu,
                python=platform.python_version(), torch=torch.__version__)


def record_path(out: str | Path, grid: str, arm: str, seed: int) -> Path:
    """Where a run's record lives: ``out/grid/arm/s{seed}.json``."""
    check_int(seed, "seed", minimum=0)
    return Path(out) / grid / arm / f"s{int(seed)}.json"


def execute(grid_name: str, arm: str, seed: int, *, device: str = "cpu", threads: int = 1,
            command: str = "", designs: Mapping[str, str] | None = None
            ) -> tuple[dict[str, Any], dict[str, torch.Tensor] | None]:
    """Run one (arm, seed) of a grid here; return its record and, if kept, float16 weights.

    Sets torch's thread count to ``threads`` for the run. designs: {design: hash} to store
    (default: the committed designs this run serves as a final seed; the runner passes the ones
    it planned with, so a worker process records what its parent saw). Writes nothing.
    """
    grid = get_grid(grid_name)
    config = grid.config(arm)
    check_int(seed, "seed", minimum=0)
    check_int(threads, "threads", minimum=1)
    torch.set_num_threads(threads)
    designs = _designs_for(grid.name, arm, seed) if designs is None else dict(designs)
    wall, cpu = time.perf_counter(), time.process_time()
    result = grid.run(config, seed, device)
    if not isinstance(result, RunResult):
        raise InputTypeError(f"grid {grid.name!r}'s run function must return a RunResult, got "
                             f"{type(result).__name__}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    keep = seed in grid.keep_weights.get(arm, ())
    weights = None
    if keep and result.state_dict is not None:
        weights = {k: (v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu())
                   for k, v in result.state_dict.items()}
    record = dict(
        grid=grid.name, arm=arm, seed=int(seed), config=config,
        key=run_key(grid.name, arm, config, seed),
        evaluation=_plain(result.evaluation), history=_plain(result.history),
        provenance=dict(command=command, **provenance(), designs=designs,
                        wall_seconds=round(wall, 2), cpu_seconds=round(cpu, 2), threads=threads,
                        device=str(device), machine=machine(),
                        finished=datetime.now(timezone.utc).isoformat(timespec="seconds")),
        weights=f"s{int(seed)}.pt" if weights is not None else None)
    return record, weights


def _plain(value: Any) -> Any:
    """JSON-ready: numbers, strings, lists and dicts (NumPy and torch scalars become floats)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, torch.Tensor):
        return _plain(value.detach().cpu().tolist())
    if hasattr(value, "tolist"):  # NumPy arrays and scalars
        return _plain(value.tolist())
    if isinstance(value, float) and value != value:
        return None  # NaN -> null (JSON has no NaN)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise InputTypeError(f"a record holds numbers, strings, lists and dicts, got "
                         f"{type(value).__name__}")


def write_record(out: str | Path, record: Mapping[str, Any],
                 weights: Mapping[str, torch.Tensor] | None = None) -> Path:
    """Write a record (and its weights, first) atomically under ``out``; return its path."""
    path = record_path(out, record["grid"], record["arm"], record["seed"])
    if weights is not None:
        atomic_write(path.with_suffix(".pt"), lambda f: torch.save(dict(weights), f))
    text = json.dumps(record, indent=1, allow_nan=False) + "\n"
    atomic_write(path, lambda f: f.write(text.encode()))
    return path


def read_record(path: str | Path) -> dict[str, Any]:
    """Read one record; a clear error for a file that is not one."""
    path = Path(path)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as err:
        raise ValueError(f"{path} is not a runner record (unreadable JSON: {err})") from None
    needed = ("grid", "arm", "seed", "config", "key", "evaluation", "history", "provenance")
    if not isinstance(record, dict) or any(k not in record for k in needed):
        raise ValueError(f"{path} is not a runner record (it needs the keys {', '.join(needed)})")
    return record


def load_records(grid: str, *, arms: Iterable[str] | None = None,
                 seeds: Iterable[int] | None = None, out: str | Path = RECORDS_DIR
                 ) -> dict[tuple[str, int], dict[str, Any]]:
    """The records of a grid under ``out``: {(arm, seed): record}; every (arm, seed) asked for
    must exist (a clear error names the missing ones and the command that makes them)."""
    g = get_grid(grid)
    arms = tuple(g.arms) if arms is None else tuple(arms)
    for arm in arms:
        g.config(arm)
    found: dict[tuple[str, int], dict[str, Any]] = {}
    missing = []
    for arm in arms:
        folder = Path(out) / g.name / arm
        wanted = (sorted(int(p.stem[1:]) for p in folder.glob("s*.json")) if seeds is None
                  else parse_seeds(list(seeds)))
        for seed in wanted:
            path = record_path(out, g.name, arm, seed)
            if path.is_file():
                found[arm, seed] = read_record(path)
            else:
                missing.append(f"{arm}/s{seed}")
    if missing:
        raise FileNotFoundError(
            f"grid {g.name!r} lacks records {', '.join(missing)} under {out}; make them with "
            f"python -m vaebook.experiments {g.name} --arms ... --seeds ...")
    return found


def load_weights(record: Mapping[str, Any], out: str | Path = RECORDS_DIR
                 ) -> dict[str, torch.Tensor]:
    """The float32 weights kept beside a record (``torch.load(weights_only=True)``)."""
    if not record.get("weights"):
        raise ValueError(f"run {record.get('arm')}/s{record.get('seed')} of grid "
                         f"{record.get('grid')!r} kept no weights (see its grid's keep_weights)")
    path = record_path(out, record["grid"], record["arm"], record["seed"]).with_suffix(".pt")
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def plan(grid: Grid, arms: Iterable[str], seeds: Iterable[int], out: str | Path
         ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Split the runs into (to do, already finished): finished means a record with the current
    key and, where the run is a final seed of a committed design, that design's current hash."""
    todo, done = [], []
    for seed in seeds:
        for arm in arms:
            path = record_path(out, grid.name, arm, seed)
            key = run_key(grid.name, arm, grid.config(arm), seed)
            try:
                record = read_record(path) if path.is_file() else None
            except ValueError:
                record = None
            finished = (record is not None and record["key"] == key and
                        record["provenance"].get("designs", {}) == _designs_for(grid.name, arm, seed))
            (done if finished else todo).append((arm, seed))
    return todo, done


def _worker_init(threads: int) -> None:
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["MKL_NUM_THREADS"] = str(threads)
    torch.set_num_threads(threads)


def run_grid(grid: str, *, arms: Iterable[str] | None = None,
             seeds: str | Iterable[int] | None = None, out: str | Path = RECORDS_DIR,
             workers: int | None = None, threads: int = 1, backend: str = "local",
             address: str | None = None, device: str = "cpu", progress: bool | None = None,
             command: str = "") -> dict[str, Any]:
    """Run the unfinished runs of ``grid`` and write their records; return a summary.

    arms: default all; seeds: default the grid's final seeds ('pilot' for its pilots);
    workers: parallel runs (default: the core count; ``1`` runs in this process);
    threads: torch threads per run; backend: 'local' or 'ray' (``address``: a Ray cluster,
    e.g. 'auto'; None starts a local one); device: 'cpu' or 'cuda'.
    Returns {"ran": [...], "skipped": [...], "seconds": wall time}.
    """
    g = get_grid(grid)
    arms = tuple(g.arms) if arms is None else tuple(arms)
    if not arms:
        raise ValueError("arms is empty")
    for arm in arms:
        g.config(arm)
    seeds = parse_seeds("final" if seeds is None else seeds, g)
    workers = (os.cpu_count() or 1) if workers is None else check_int(workers, "workers", minimum=1)
    check_int(threads, "threads", minimum=1)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if device not in ("cpu", "cuda") and not str(device).startswith("cuda:"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if str(device).startswith("cuda") and not torch.cuda.is_available() and backend == "local":
        raise ValueError("device 'cuda' asked for, but torch sees no GPU on this machine")
    out = Path(out)
    todo, done = plan(g, arms, seeds, out)
    designs = {(arm, seed): _designs_for(g.name, arm, seed) for arm, seed in todo}
    start = time.perf_counter()
    ran: list[tuple[str, int]] = []
    bar = tqdm(total=len(todo), desc=f"{g.name}", unit="run",
               disable=not progress_enabled(progress) or not todo)
    if done:
        bar.write(f"{g.name}: {len(done)} finished records skipped")

    def finish(record: dict[str, Any], weights: dict[str, torch.Tensor] | None) -> None:
        write_record(out, record, weights)
        ran.append((record["arm"], record["seed"]))
        bar.set_postfix_str(f"{record['arm']}/s{record['seed']} "
                            f"{record['provenance']['wall_seconds']:.0f} s")
        bar.update(1)

    previous = _stop_on_sigterm()
    try:
        if not todo:
            pass
        elif backend == "ray":
            _run_ray(g.name, todo, device, threads, command, designs, address, workers, finish)
        elif workers == 1:
            for arm, seed in todo:
                finish(*execute(g.name, arm, seed, device=device, threads=threads,
                                command=command, designs=designs[arm, seed]))
        else:
            _run_pool(g.name, todo, device, threads, command, designs, workers, finish)
    finally:
        bar.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return dict(ran=ran, skipped=done, seconds=round(time.perf_counter() - start, 2))


def _stop_on_sigterm():
    """Treat SIGTERM like Ctrl-C while a grid runs (so worker processes are stopped too);
    returns the previous handler (None when not in the main thread, where Python cannot set
    one)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt("SIGTERM")

    return signal.signal(signal.SIGTERM, interrupt)


def _run_pool(grid: str, todo: list[tuple[str, int]], device: str, threads: int, command: str,
              designs: dict[tuple[str, int], dict[str, str]], workers: int,
              finish: Callable[..., None]) -> None:
    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=get_context("spawn"),
                               initializer=_worker_init, initargs=(threads,))
    try:
        pending = {pool.submit(execute, grid, arm, seed, device=device, threads=threads,
                               command=command, designs=designs[arm, seed])
                   for arm, seed in todo}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                finish(*future.result())
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_ray(grid: str, todo: list[tuple[str, int]], device: str, threads: int, command: str,
             designs: dict[tuple[str, int], dict[str, str]], address: str | None, workers: int,
             finish: Callable[..., None]) -> None:
    try:
        import ray
    except ImportError:
        raise ImportError("the ray backend needs Ray: pip install 'vaebook[cluster]'") from None
    started = False
    if not ray.is_initialized():
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no report home from a local Ray
        if address is None:
            ray.init(num_cpus=workers * threads, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
        started = True
    try:
        gpus = 1 if str(device).startswith("cuda") else 0
        remote = ray.remote(num_cpus=threads, num_gpus=gpus, max_retries=0)(_ray_execute)
        pending = [remote.remote(grid, arm, seed, device, threads, command, designs[arm, seed])
                   for arm, seed in todo]
        while pending:
            finished, pending = ray.wait(pending, num_returns=1)
            for ref in finished:
                finish(*ray.get(ref))
    except BaseException:
        for ref in locals().get("pending", []):
            ray.cancel(ref, force=True)
        raise
    finally:
        if started:
            ray.shutdown()


def _ray_execute(grid: str, arm: str, seed: int, device: str, threads: int, command: str,
                 designs: dict[str, str]):
    _worker_init(threads)
    return execute(grid, arm, seed, device=device, threads=threads, command=command,
                   designs=designs)
