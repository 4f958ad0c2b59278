"""A smooth cutoff for tabulated EAM alloy potentials (DYNAMO setfl files).

Some published setfl tables end with functions that are still non-zero at the cutoff
r_c: LAMMPS then sees a step in the energy when a pair crosses r_c, which its spline
turns into a force spike over the last table interval. In CuNi.eam.alloy (Onat &
Durukanoglu 2014) the Ni electron density ends at ρ_Ni(r_c⁻) ≈ 9.4e-6 (F'_Ni ≈ 13 eV per
density unit) and r·φ_NiNi at −2e-4 eV·Å: measured with LAMMPS, an isolated Ni pair has
an energy step of 7e-4 eV and a force of 0.06 eV/Å within dr = 0.0128 Å of r_c. A Ni atom
with a neighbour there sits on a force cliff, so a random CuNi alloy with a dislocation
has no state with all forces below ~1e-2 eV/Å, and minimisers stall there (LAMMPS FIRE
ends with "v.f negative" restarts at 5e-3–2e-2 eV/Å, as observed in the coupled runs).

:func:`taper_setfl` multiplies each tabulated ρ(r) and r·φ(r) that does not already
vanish before r_c by the quintic smoothstep

    S(x) = 1 − 10x³ + 15x⁴ − 6x⁵,   x = (r − r_c + w) / w ∈ [0, 1],

which is C² and leaves the function unchanged below r_c − w (the same switching
function as e.g. LAMMPS pair_style lj/smooth/linear variants and Mishin-type EAM
fits). Functions that are already zero on the last table point are left untouched.
The embedding functions F(ρ) are not changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def smoothstep_taper(r_A: np.ndarray, cutoff_A: float, width_A: float) -> np.ndarray:
    """S(r): 1 below ``cutoff_A − width_A``, 0 at and beyond ``cutoff_A``, C² in between."""
    x = np.clip((np.asarray(r_A, float) - cutoff_A + width_A) / width_A, 0.0, 1.0)
    return 1.0 - x**3 * (10.0 - 15.0 * x + 6.0 * x**2)


def read_setfl(path) -> dict:
    """Read an eam/alloy (setfl) file.

    Returns
    -------
    dict with ``comments`` (3 lines), ``elements``, ``Nrho``, ``drho``, ``Nr``, ``dr_A``,
    ``cutoff_A``, ``headers`` (one "Z mass a lattice" line per element), ``F`` and ``rho``
    (lists of arrays per element) and ``rphi`` (arrays for i ≥ j in file order, eV·Å).
    """
    lines = Path(path).read_text().splitlines()
    elements = lines[3].split()[1:]
    n_rho, d_rho, n_r, dr, cutoff = lines[4].split()
    n_rho, n_r = int(n_rho), int(n_r)
    body = lines[5:]
    data = {"comments": lines[:3], "elements": elements, "Nrho": n_rho, "drho": float(d_rho), "Nr": n_r,
            "dr_A": float(dr), "cutoff_A": float(cutoff), "headers": [], "F": [], "rho": [], "rphi": []}
    row = 0
    for _ in elements:
        data["headers"].append(body[row])
        row += 1
        tokens = []
        while len(tokens) < n_rho + n_r:
            tokens += body[row].split()
            row += 1
        data["F"].append(np.array(tokens[:n_rho], float))
        data["rho"].append(np.array(tokens[n_rho:], float))
    rest = " ".join(body[row:]).split()
    n_pairs = len(elements) * (len(elements) + 1) // 2
    for k in range(n_pairs):
        data["rphi"].append(np.array(rest[k * n_r:(k + 1) * n_r], float))
    return data


def write_setfl(data: dict, path) -> None:
    """Write ``data`` (as from :func:`read_setfl`) in setfl format, five values a line."""
    def block(values):
        return [" ".join(f"{v: .16E}" for v in values[i:i + 5]) for i in range(0, len(values), 5)]

    out = list(data["comments"])
    out.append(f"{len(data['elements'])} " + " ".join(data["elements"]))
    out.append(f"{data['Nrho']} {data['drho']!r} {data['Nr']} {data['dr_A']!r} {data['cutoff_A']!r}")
    for header, F, rho in zip(data["headers"], data["F"], data["rho"]):
        out.append(header)
        out += block(F) + block(rho)
    for rphi in data["rphi"]:
        out += block(rphi)
    Path(path).write_text("\n".join(out) + "\n")


def taper_setfl(source, destination, width_A: float = 0.4, note: str = "") -> list[str]:
    """Copy the setfl file ``source`` to ``destination`` with a smooth cutoff.

    Each ρ(r) and r·φ(r) whose second-to-last table value is non-zero is multiplied by
    :func:`smoothstep_taper` over the last ``width_A`` (Å) before the cutoff; the others
    and all F(ρ) are copied unchanged.

    Returns
    -------
    list of str
        Names of the tapered functions, e.g. ``["rho_Ni", "phi_Ni-Ni"]``.
    """
    data = read_setfl(source)
    r = np.arange(data["Nr"]) * data["dr_A"]
    taper = smoothstep_taper(r, data["cutoff_A"], width_A)
    names, changed = data["elements"], []
    for i, rho in enumerate(data["rho"]):
        if rho[-2] != 0.0:
            data["rho"][i] = rho * taper
            changed.append(f"rho_{names[i]}")
    k = 0
    for i in range(len(names)):
        for j in range(i + 1):
            if data["rphi"][k][-2] != 0.0:
                data["rphi"][k] = data["rphi"][k] * taper
                changed.append(f"phi_{names[i]}-{names[j]}")
            k += 1
    data["comments"][1] = data["comments"][1].strip() + " | " + (f"cutoff tapered over {width_A:g} A by handshake.alloys.smooth_cutoff "
                           f"({', '.join(changed)}) {note}").strip()
    write_setfl(data, destination)
    return changed
