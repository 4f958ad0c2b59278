"""CRSS of an edge dislocation in random CuNi over N seeds: coupled vs fully atomistic.

    python benchmarks/crss_statistics.py [--seeds 8] [--jobs 2] [--out out/crss-CuNi]

Runs ``handshake sweep scenarios/edge_dislocation_CuNi.toml --seeds N --reference``:
each seed is one random Cu-50Ni realisation, relaxed and sheared in the coupled model
(40 Å atomistic radius, effective-medium continuum to 166 Å) and fully atomistically on
a disc of 10x the coupled atoms' area with the same species on every shared site and the
same random alloy further out. Prints one row per seed and the coupled mean with its
95 % confidence interval against the fully atomistic mean (MPa), and the wall times.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "edge_dislocation_CuNi.toml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("out/crss-CuNi"))
    args = parser.parse_args()
    done = subprocess.run([sys.executable, "-m", "handshake", "sweep", str(SCENARIO), "--seeds", str(args.seeds),
                           "--jobs", str(args.jobs), "--reference", "--out", str(args.out)],
                          stdout=subprocess.DEVNULL)
    if done.returncode:
        return done.returncode
    summary = json.loads((args.out / "summary.json").read_text())
    print(f"{'seed':>4} {'coupled CRSS (MPa)':>19} {'fully atomistic (MPa)':>22} {'coupled s':>10} {'atomistic s':>12}")
    for row in summary["realisations"]:
        run = json.loads((args.out / f"seed-{row['seed']}" / "summary.json").read_text())
        ref_time = run.get("reference", {}).get("wall_time_s", float("nan"))
        print(f"{row['seed']:>4} {str(row['crss_MPa']):>19} {str(row.get('reference_crss_MPa')):>22} "
              f"{run['wall_time_s'] - ref_time:>10.0f} {ref_time:>12.0f}")
    from handshake.hpc.seed_sweep import comparison_line

    print(comparison_line(summary))
    print(f"never glided (coupled): {summary['never_glided']}; wall time {summary['wall_time_s']:.0f} s "
          f"on {summary['jobs']} jobs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
