"""`handshake sweep`: one scenario over many random-alloy seeds, run as independent jobs,
and the statistics of the critical resolved shear stress (CRSS).

Each realisation is a separate ``handshake run --set alloy.seed=K`` process (its own
LAMMPS, its own output directory ``seed-K``), ``jobs`` of them at a time; a failed
realisation is reported and left out of the statistics, never silently averaged: it is
listed with its exit code in ``summary.json`` (``failed``) and in ``realisations.csv``,
and the command exits with :data:`EXIT_REALISATIONS_FAILED`. The collect step reads
their ``summary.json`` files and writes ``summary.json`` (mean, standard deviation, 95 %
confidence interval of the mean from Student's t), ``realisations.csv`` (one row per
seed) and ``crss_histogram.png``.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

from ..errors import InputError
from ..scenario import load_scenario
from ..studies.plots import plot_histogram

#: exit code of ``handshake sweep`` when at least one realisation failed (the others'
#: statistics are still written)
EXIT_REALISATIONS_FAILED = 9


def sample_statistics(values) -> dict:
    """Mean, sample standard deviation and 95 % confidence interval of the mean (Student t)."""
    v = np.asarray(values, dtype=float)
    n = v.size
    if n == 0:
        return {"n": 0, "mean": None, "std": None, "ci95": None}
    mean = float(v.mean())
    if n == 1:
        return {"n": 1, "mean": mean, "std": None, "ci95": None}
    std = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * std / np.sqrt(n))
    return {"n": n, "mean": mean, "std": std, "ci95": [mean - half, mean + half]}


def run_sweep(scenario_path, seeds: list[int], out, jobs: int = 2, reference: bool = False,
              overrides: list[str] | None = None) -> dict:
    """Run ``scenario_path`` once per seed (``jobs`` processes at a time) and collect the CRSS."""
    scenario_path = Path(scenario_path)
    scenario = load_scenario(scenario_path, overrides)
    if scenario.alloy is None or scenario.glide is None:
        raise InputError("a sweep needs an [alloy] section and a [glide] ramp", source=str(scenario_path),
                         field="alloy" if scenario.alloy is None else "glide")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    pending = list(seeds)
    running: list[tuple[int, subprocess.Popen]] = []
    failed = {}
    while pending or running:
        while pending and len(running) < jobs:
            seed = pending.pop(0)
            command = [sys.executable, "-m", "handshake", "run", str(scenario_path), "--out", str(out / f"seed-{seed}"),
                       "--overwrite", "--set", f"alloy.seed={seed}"]
            command += [a for o in (overrides or []) for a in ("--set", o)]
            if reference:
                command.append("--reference")
            log = open(out / f"seed-{seed}.log", "w")
            running.append((seed, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)))
            print(f"seed {seed}: started", file=sys.stderr, flush=True)
        time.sleep(0.5)
        for seed, process in list(running):
            if process.poll() is not None:
                running.remove((seed, process))
                if process.returncode:
                    failed[seed] = f"exit code {process.returncode}, see seed-{seed}.log"
                print(f"seed {seed}: {'done' if not process.returncode else failed[seed]}", file=sys.stderr,
                      flush=True)
    summary = collect(out, seeds, scenario.name)
    summary["failed"] = {str(k): v for k, v in failed.items()}
    write_table(out / "realisations.csv", seeds, summary["realisations"], failed)
    summary["wall_time_s"] = time.perf_counter() - start
    summary["jobs"] = jobs
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(comparison_line(summary), file=sys.stderr, flush=True)
    return summary


def write_table(path: Path, seeds, rows: list[dict], failed: dict) -> None:
    """``realisations.csv``: one row per seed, completed or failed (with the reason), stresses in MPa."""
    by_seed = {r["seed"]: r for r in rows}
    columns = ["seed", "status", "crss_MPa", "stacking_fault_width_A", "reference_crss_MPa", "reason"]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        for seed in seeds:
            if seed in failed:
                writer.writerow({"seed": seed, "status": "failed", "reason": failed[seed]})
            elif seed in by_seed:
                row = {k: ("" if v is None else v) for k, v in by_seed[seed].items()}
                writer.writerow({**row, "status": "completed"})
            else:
                writer.writerow({"seed": seed, "status": "no summary", "reason": "no completed summary.json"})


def comparison_line(summary: dict) -> str:
    """One line: coupled CRSS mean with its 95 % CI and, if run, the fully atomistic mean (MPa)."""
    s = summary["crss_MPa"]
    if s["n"] < 2:
        return f"CRSS: {s['n']} realisation(s) glided, too few for a confidence interval"
    line = f"coupled CRSS {s['mean']:.1f} MPa, 95 % CI [{s['ci95'][0]:.1f}, {s['ci95'][1]:.1f}] over {s['n']} seeds"
    if "reference_crss_MPa" in summary:
        r = summary["reference_crss_MPa"]
        line += (f"; fully atomistic {r['mean']:.1f} MPa over {r['n']} seeds: "
                 f"{'inside' if summary['reference_mean_within_ci95'] else 'OUTSIDE'} the CI")
    return line


def collect(out, seeds, title: str) -> dict:
    """Statistics of the realisations' critical stresses (coupled and, if run, reference)."""

    out = Path(out)
    rows = []
    for seed in seeds:
        path = out / f"seed-{seed}" / "summary.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text())
        if data.get("status") != "completed":
            continue
        row = {"seed": seed, "crss_MPa": data["results"].get("critical_stress_MPa"),
               "stacking_fault_width_A": data["results"].get("initial_stacking_fault_width_A")}
        if "reference" in data:
            row["reference_crss_MPa"] = data["reference"].get("critical_stress_MPa")
        rows.append(row)
    glided = [r["crss_MPa"] for r in rows if r["crss_MPa"] is not None]
    summary = {"scenario": title, "realisations": rows, "crss_MPa": sample_statistics(glided),
               "never_glided": [r["seed"] for r in rows if r["crss_MPa"] is None]}
    refs = [r.get("reference_crss_MPa") for r in rows if r.get("reference_crss_MPa") is not None]
    if refs:
        summary["reference_crss_MPa"] = sample_statistics(refs)
        ci = summary["crss_MPa"]["ci95"]
        ref_mean = summary["reference_crss_MPa"]["mean"]
        summary["reference_mean_within_ci95"] = bool(ci is not None and ci[0] <= ref_mean <= ci[1])
    s = summary["crss_MPa"]
    if s["n"] >= 2:
        plot_histogram(glided, out / "crss_histogram.png", f"{title}: {s['n']} realisations",
                       "critical resolved shear stress (MPa)", s["mean"], tuple(s["ci95"]))
    return summary
