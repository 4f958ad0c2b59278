"""``handshake collect``: the results of every case of a sweep in one table and one plot.

Reads ``manifest.json`` of a sweep directory (written by ``handshake submit``) and each
case's ``summary.json``; writes ``sweep.csv`` and ``sweep.json`` (one row per case: the
swept values, the seed, the status and every scalar result) and ``sweep.png`` (a chosen
result against the first swept key, mean over seeds with their sample standard
deviation as error bars, one line per combination of the other swept keys).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..studies.plots import plot_sweep
from .cases import toml_value

#: results plotted by default, first one present wins
DEFAULT_QUANTITIES = ("K_plus_over_K_G", "K_plus_MPa_sqrt_m", "max_residual_force_eV_per_A")


def case_row(directory: Path, case: dict) -> dict:
    """One table row: case, swept values, seed, status and the scalar results of its summary."""
    row = {"case": case["name"], **{k: toml_value(v) for k, v in case["settings"].items()},
           "seed": case["seed"]}
    path = directory / case["name"] / "summary.json"
    try:
        summary = json.loads(path.read_text())
    except FileNotFoundError:
        return {**row, "status": "missing"}
    except json.JSONDecodeError:
        return {**row, "status": "unreadable"}
    row["status"] = summary.get("status", "unknown")
    for key, value in summary.get("results", {}).items():
        if value is None or isinstance(value, (bool, int, float, str)):
            row[key] = value
    model = summary.get("model", {})
    row.update({"atoms": model.get("atoms"), "nodes": model.get("nodes"),
                "mpi_ranks": summary.get("provenance", {}).get("mpi_ranks"),
                "wall_time_s": summary.get("wall_time_s")})
    return row


def seed_statistics(rows: list[dict], x_key: str, group_keys: list[str], quantity: str) -> list[dict]:
    """Mean and sample standard deviation (n − 1; 0 for one seed) of ``quantity`` over the
    completed cases sharing the values of ``x_key`` and ``group_keys``."""
    groups: dict[tuple, list[float]] = {}
    for row in rows:
        value = row.get(quantity)
        if row["status"] != "completed" or not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        key = tuple(_hashable(row.get(k)) for k in [*group_keys, x_key])
        groups.setdefault(key, []).append(float(value))
    stats = []
    for key, values in groups.items():
        stats.append({**dict(zip([*group_keys, x_key], key)), "n": len(values), "mean": float(np.mean(values)),
                      "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0})
    return stats


def _hashable(value):
    return json.dumps(value) if isinstance(value, (list, dict)) else value


@dataclass
class SweepTable:
    """The collected results of a sweep (see the module docstring)."""

    directory: Path
    rows: list[dict]
    sweep_keys: list[str]
    quantity: str | None
    statistics: list[dict] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        columns: list[str] = []
        for row in self.rows:
            columns += [k for k in row if k not in columns]
        return columns

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, self.columns, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: ("" if v is None else json.dumps(v) if isinstance(v, (list, dict)) else v)
                             for k, v in row.items()})
        return buffer.getvalue()

    def report_lines(self) -> list[str]:
        done = sum(r["status"] == "completed" for r in self.rows)
        lines = [f"{len(self.rows)} case(s), {done} completed; table in {self.directory / 'sweep.csv'}"
                 f" and sweep.json" + (f", plot of {self.quantity} in sweep.png" if self.statistics else "")]
        if self.statistics:
            x = self.sweep_keys[0] if self.sweep_keys else None
            for s in self.statistics:
                where = ", ".join(f"{k}={s[k]}" for k in s if k not in ("n", "mean", "std"))
                lines.append(f"  {where}: {self.quantity} = {s['mean']:.6g} ± {s['std']:.2g} (n = {s['n']})"
                             if x else f"  {self.quantity} = {s['mean']:.6g} ± {s['std']:.2g} (n = {s['n']})")
        return lines


def collect_sweep(directory: str | Path, quantity: str | None = None) -> SweepTable:
    """Gather the summaries of the sweep in ``directory``; write sweep.csv, sweep.json, sweep.png.

    Parameters
    ----------
    directory : path
        Sweep directory with ``manifest.json``.
    quantity : str, optional
        Result key plotted; default the first of :data:`DEFAULT_QUANTITIES` any case has.

    Raises
    ------
    InputError
        No manifest, no completed case, or a ``quantity`` no completed case reports.
    """
    directory = Path(directory)
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except FileNotFoundError:
        raise InputError("no manifest.json: not a sweep directory written by handshake submit",
                         source=str(directory)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"manifest.json is not valid JSON ({exc})", source=str(directory)) from None
    rows = [case_row(directory, case) for case in manifest["cases"]]
    completed = [r for r in rows if r["status"] == "completed"]
    if not completed:
        raise InputError(f"none of the {len(rows)} case(s) has completed yet", source=str(directory))
    numeric = {k for r in completed for k, v in r.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}
    if quantity is None:
        quantity = next((q for q in DEFAULT_QUANTITIES if q in numeric), None)
    elif quantity not in numeric:
        raise InputError(f"no completed case reports a number {quantity!r} (numbers: {', '.join(sorted(numeric))})",
                         source="command line", field="--quantity")
    sweep_keys = list(manifest.get("sweep", {}))
    table = SweepTable(directory, rows, sweep_keys, quantity)
    if quantity is not None:
        x_key = sweep_keys[0] if sweep_keys else "case"
        table.statistics = seed_statistics(rows, x_key, sweep_keys[1:], quantity)
    _write(directory / "sweep.csv", table.csv_text())
    _write(directory / "sweep.json", json.dumps({"quantity": quantity, "sweep": manifest.get("sweep", {}),
                                                 "seed_key": manifest.get("seed_key"), "rows": rows,
                                                 "statistics": table.statistics}, indent=1))
    if table.statistics:
        plot_sweep(table.statistics, sweep_keys[0] if sweep_keys else "case", sweep_keys[1:], quantity,
                   directory / "sweep.png", manifest.get("scenario", ""))
    return table


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
