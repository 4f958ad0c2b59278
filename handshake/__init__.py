"""handshake: concurrent atomistic-continuum coupling with LAMMPS and finite elements.

Units are LAMMPS ``metal`` inside the package (Å, eV, ps, bar); user-facing results
carry their unit in their name (``C11_GPa``, ``gamma_111_J_per_m2``, ``K_MPa_sqrt_m``).
"""

__version__ = "0.1.0"
