"""Coupled MD of a bcc ½⟨111⟩ screw dislocation whose Burgers vector is the slab period.

LAMMPS knows positions along the periodic line only modulo the period b, and beside the
field's cut the applied u_z is ±b/2. With the cut laid on a row of atoms (the core
inserted half a (−110) spacing above the default centre) handshake atoms there sit at
u_z = ±b/2 plus their relaxation; a minimum-image displacement jumps by b for half of
them. The exchange must read them about the applied field (as the statics do); then the
relaxed state stays at rest at 0 K. Measured without that: kinetic energy 0.05 eV after
50 steps and a defect at the handshake zone (exit 7).
"""

from mpi4py import MPI  # noqa: F401  (before lammps)

from handshake.studies import run_scenario

SCENARIO = """
name = "W screw, MD at 0 K, cut on an atomic row"
kind = "dislocation"
[material]
potential = "W_zhou"
orientation = [[1, 1, -2], [-1, 1, 0], [1, 1, 1]]
[geometry]
atomistic_radius_A = 20.0
handshake_width_A = 4.0
outer_radius_A = 60.0
[coupling]
fmax_eV_per_A = 1e-3
[[dislocations]]
burgers = [0.5, 0.5, 0.5]
core_A = [0.2, 1.1189]          # half the (-110) spacing a/sqrt(2) = 2.2378 A above the centre: an atomic row
[dynamics]
timestep_fs = 2.0
steps = 400
output_interval_steps = 100
"""


def test_screw_with_cut_on_atoms_stays_at_rest_in_md(tmp_path):
    path = tmp_path / "screw_md.toml"
    path.write_text(SCENARIO)
    summary = run_scenario(path, tmp_path / "out")
    assert summary["status"] == "completed"
    series = summary["results"]["dynamics"]["time_series"]
    assert series[-1]["step"] == 400
    # the relaxed state (fmax 1e-3 eV/Å) at 0 K: ~1e-3 eV of kinetic energy in all, no growth
    assert all(row["atoms_kinetic_eV"] + row["continuum_kinetic_eV"] < 3e-3 for row in series)
