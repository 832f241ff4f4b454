"""The experiment runner: records, resume, atomic writes, clear errors, parallel workers, Ray."""

import json
import os
import subprocess
import sys

import pytest
import torch

from vaebook import designs
from vaebook.experiments import runner
from vaebook.experiments.__main__ import main as cli


def _numbers(record):
    """What must be equal between two runs of the same (config, seed): not the times."""
    return {k: record[k] for k in ("grid", "arm", "seed", "config", "key", "evaluation",
                                   "history")}


@pytest.fixture(scope="module")
def tiny_records(tmp_path_factory):
    """The tiny grid's seeds 0-1, both arms, written by two worker processes."""
    out = tmp_path_factory.mktemp("records")
    summary = runner.run_grid("tiny", seeds=[0, 1], out=out, workers=2, progress=False)
    assert len(summary["ran"]) == 4
    return out


def test_grid_list_names_every_grid(capsys):
    assert cli([]) == 0
    listed = capsys.readouterr().out
    for name in ("tiny", "local_decoders"):
        assert f"{name}:" in listed


def test_a_record_holds_numbers_history_and_provenance(tiny_records):
    record = runner.read_record(runner.record_path(tiny_records, "tiny", "local1", 0))
    assert set(record["evaluation"]) == {"kl", "nelbo", "probe"}
    assert len(record["history"]["loss"]) == record["config"]["num_epochs"]
    prov = record["provenance"]
    for key in ("command", "version", "designs", "wall_seconds", "cpu_seconds", "threads",
                "device", "machine", "finished"):
        assert key in prov, key
    assert prov["threads"] == 1 and prov["device"] == "cpu"
    assert prov["machine"]["cores"] == os.cpu_count()
    # weights only where the grid keeps them: local1 seed 0, in float16
    assert record["weights"] == "s0.pt"
    state = torch.load(runner.record_path(tiny_records, "tiny", "local1", 0).with_suffix(".pt"),
                       weights_only=True)
    assert all(v.dtype == torch.float16 for v in state.values() if v.is_floating_point())
    assert runner.read_record(runner.record_path(tiny_records, "tiny", "factorised", 0))[
        "weights"] is None
    weights = runner.load_weights(record, tiny_records)
    assert all(v.dtype == torch.float32 for v in weights.values() if v.is_floating_point())


def test_workers_and_one_process_give_the_same_records(tiny_records, tmp_path):
    """A run is a pure function of (config, seed): in a worker or here, first or second."""
    runner.run_grid("tiny", arms=["local1"], seeds=[1], out=tmp_path, workers=1,
                    progress=False)
    here = runner.read_record(runner.record_path(tmp_path, "tiny", "local1", 1))
    there = runner.read_record(runner.record_path(tiny_records, "tiny", "local1", 1))
    assert _numbers(here) == _numbers(there)


def test_finished_records_are_skipped_and_stale_ones_rerun(tiny_records, tmp_path):
    for path in (tiny_records / "tiny").rglob("*"):
        if path.is_file():
            target = tmp_path / path.relative_to(tiny_records)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    summary = runner.run_grid("tiny", seeds=[0, 1], out=tmp_path, workers=1, progress=False)
    assert summary["ran"] == [] and len(summary["skipped"]) == 4
    stale = runner.record_path(tmp_path, "tiny", "factorised", 1)
    record = json.loads(stale.read_text())
    record["key"] = "another design or config"
    stale.write_text(json.dumps(record))
    summary = runner.run_grid("tiny", seeds=[0, 1], out=tmp_path, workers=1, progress=False)
    assert summary["ran"] == [("factorised", 1)]


def test_interrupted_run_leaves_no_partial_file(tmp_path, monkeypatch):
    calls = []

    def interrupt(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    real = runner.execute
    monkeypatch.setattr(runner, "execute", interrupt)
    with pytest.raises(KeyboardInterrupt):
        runner.run_grid("tiny", seeds=[0, 1], out=tmp_path, workers=1, progress=False)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["tiny/factorised/s0.json"]  # the finished run, nothing half-written
    runner.read_record(tmp_path / files[0])


def test_writes_are_atomic(tmp_path, monkeypatch):
    record, _ = runner.execute("tiny", "factorised", 0)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(runner.os, "replace", fail)
    with pytest.raises(OSError):
        runner.write_record(tmp_path, record)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize("args, message", [
    (["nope"], "unknown grid 'nope'"),
    (["tiny", "--arms", "local9"], "has no arm 'local9'"),
    (["tiny", "--seeds", "4-1"], "bad seed list"),
    (["tiny", "--seeds", "a,b"], "bad seed list"),
    (["tiny", "--seeds", "1,1"], "must not repeat"),
    (["tiny", "--seeds", "-3"], "bad seed list"),
    (["tiny", "--workers", "0"], "--workers must be >= 1"),
])
def test_cli_refuses_bad_input_clearly(args, message, capsys):
    with pytest.raises(SystemExit) as err:
        cli(args)
    assert err.value.code == 2
    assert message in capsys.readouterr().err


def test_parse_seeds():
    grid = runner.get_grid("tiny")
    assert runner.parse_seeds("0-2,7", grid) == (0, 1, 2, 7)
    assert runner.parse_seeds("pilot", grid) == grid.pilot_seeds
    assert runner.parse_seeds([3, 4]) == (3, 4)
    with pytest.raises(ValueError, match="needs a grid"):
        runner.parse_seeds("final")
    with pytest.raises(TypeError):
        runner.parse_seeds(3)


def test_grids_keep_pilots_and_finals_apart():
    with pytest.raises(ValueError, match="disjoint"):
        runner.Grid(name="bad", run=lambda c, s, d: None, arms={"a": {}}, seeds=(0, 1),
                    pilot_seeds=(1, 2), description="")


def test_cli_dry_run_and_resume_message(tmp_path, capsys):
    assert cli(["tiny", "--seeds", "0", "--out", str(tmp_path), "--dry-run"]) == 0
    assert "2 runs to do" in capsys.readouterr().out


@pytest.mark.slow
def test_cli_runs_a_grid_with_a_progress_bar(tmp_path):
    env = dict(os.environ, VAEBOOK_NO_PROGRESS="0", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "vaebook.experiments", "tiny", "--seeds", "2",
                           "--out", str(tmp_path), "--workers", "2"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "2/2" in done.stderr  # tqdm's bar, with its rate and ETA
    assert "2 runs in" in done.stdout
    again = subprocess.run([sys.executable, "-m", "vaebook.experiments", "tiny", "--seeds", "2",
                            "--out", str(tmp_path)], capture_output=True, text=True, env=env,
                           timeout=300)
    assert "0 runs in" in again.stdout and "2 finished records skipped" in again.stdout


@pytest.mark.slow
def test_ray_backend_gives_the_local_records(tiny_records, tmp_path):
    pytest.importorskip("ray", reason="the ray backend is the optional extra vaebook[cluster]")
    summary = runner.run_grid("tiny", seeds=[0, 1], out=tmp_path, workers=2, backend="ray",
                              progress=False)
    assert len(summary["ran"]) == 4
    for arm in ("factorised", "local1"):
        for seed in (0, 1):
            ray_record = runner.read_record(runner.record_path(tmp_path, "tiny", arm, seed))
            local = runner.read_record(runner.record_path(tiny_records, "tiny", arm, seed))
            assert _numbers(ray_record) == _numbers(local)


def test_records_carry_the_hashes_of_the_designs_they_serve(tmp_path, monkeypatch):
    design = designs.Design(
        claim="000-c", grid="tiny", arms=("local1", "factorised"), statistic="tiny/probe_gain",
        description="probe gain", delta=0.01, unit="accuracy", pilot_seeds=(100, 101, 102),
        pilot_values=(0.1, 0.2, 0.15), n_final=5)
    monkeypatch.setitem(designs.DESIGNS, "000-c", design)
    record, _ = runner.execute("tiny", "local1", 0)
    assert record["provenance"]["designs"] == {"000-c": design.hash()}


def _shipped_grids():
    return sorted(p.name for p in runner.RECORDS_DIR.iterdir() if p.is_dir()) \
        if runner.RECORDS_DIR.is_dir() else []


def test_records_ship_for_the_tiny_grid():
    assert "tiny" in _shipped_grids()
    records = runner.load_records("tiny", seeds=runner.get_grid("tiny").seeds)
    assert len(records) == 10


@pytest.mark.slow
@pytest.mark.parametrize("grid", _shipped_grids())
def test_one_shipped_record_per_grid_is_reproduced_by_the_current_code(grid):
    """Re-train the quickest shipped run of each grid from its record (config, seed, threads):
    a record the current code cannot reproduce fails here."""
    g = runner.get_grid(grid)
    shipped = [runner.read_record(p) for p in (runner.RECORDS_DIR / grid).glob("*/s*.json")]
    for record in shipped:
        assert record["config"] == g.config(record["arm"]), "the grid's config changed: re-run it"
        assert record["key"] == runner.run_key(grid, record["arm"], record["config"],
                                               record["seed"])
    # seeded runs repeat exactly on the same machine only: another CPU sums in another order
    cpu = runner.machine()["cpu"]
    here = [r for r in shipped if r["provenance"].get("machine", {}).get("cpu") == cpu]
    if not here:
        pytest.skip(f"no shipped {grid} record was made on this CPU ({cpu}); records come from "
                    f"{sorted({r['provenance'].get('machine', {}).get('cpu') for r in shipped})}")
    record = min(here, key=lambda r: r["provenance"]["wall_seconds"])
    if "eval_epochs" in record["config"]:  # minutes a run: reproduce the first evaluation
        _reproduce_first_evaluation(g, record)
        return
    again, _ = runner.execute(grid, record["arm"], record["seed"],
                              threads=record["provenance"]["threads"])
    _assert_close(again["evaluation"], record["evaluation"], "evaluation")


def _reproduce_first_evaluation(g, record) -> None:
    """Re-train a run that evaluates after several epochs (selective_collapse,
    disentanglement_metrics) up to its first evaluation epoch only (1,200 of 6,000 steps; 750 of
    5,640) and compare with the record's numbers at that epoch."""
    first = min(record["config"]["eval_epochs"])
    config = dict(record["config"], num_epochs=first, eval_epochs=[first])
    threads = torch.get_num_threads()
    torch.set_num_threads(record["provenance"]["threads"])
    try:
        again = g.run(config, record["seed"], "cpu").evaluation
    finally:
        torch.set_num_threads(threads)
    want = record["evaluation"]["by_epoch"][str(first)]
    _assert_close({k: v for k, v in again.items() if k != "by_epoch"}, want, f"epoch {first}")


def _assert_close(got, want, where: str) -> None:
    """Equal JSON values, floats within rel 1e-3 / abs 1e-4 at any depth (lists and dicts of
    floats too: a thread count or BLAS can move the last digits)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), where
        for key in want:
            _assert_close(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (a, b) in enumerate(zip(got, want, strict=True)):
            _assert_close(a, b, f"{where}[{i}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-3, abs=1e-4, nan_ok=True), where
    else:
        assert got == want, where
