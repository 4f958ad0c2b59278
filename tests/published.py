"""Published values the tests compare with, each with its source."""

import numpy as np
from matscipy.fracture_mechanics.crack import CubicCrystalCrack

#: Stillinger–Weber Si: bond energy ε (eV) and the lattice parameter a0 (Å) of the
#: potential (Stillinger & Weber, PRB 31 (1985) 5262)
SW_EPSILON_EV, SW_A0 = 2.1683, 5.431


def published_si_sw_111_k_g() -> float:
    """K_G of SW Si (111)[1-10] from published inputs only, MPa·m^½: the bond-counting γ
    (Stillinger & Weber 1985) and Cowley's SW elastic constants (PRL 60 (1988) 2379:
    C11, C12, relaxed C44 = 151.4, 76.4, 56.4 GPa), through matscipy's anisotropic k1g,
    with SI unit conversion (1 eV/Å^{5/2} = 1.602176634e-19 J / 1e-25 m^{5/2})."""
    ev_per_a3_in_gpa = 1.602176634e-19 / 1e-30 / 1e9
    crack = CubicCrystalCrack([1, 1, 1], [1, -1, 0], 151.4 / ev_per_a3_in_gpa, 76.4 / ev_per_a3_in_gpa,
                              56.4 / ev_per_a3_in_gpa)
    gamma_eV_per_A2 = 2.0 * SW_EPSILON_EV / (np.sqrt(3.0) * SW_A0 ** 2)
    return crack.k1g(gamma_eV_per_A2) * 1.602176634e-19 / 1e-25 / 1e6
