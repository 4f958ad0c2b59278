"""Fracture studies on the coupled model: Griffith threshold, crack-tip tracking, K ramps."""

from .griffith import cleavage_surface_energy, griffith_k, orthotropic_plane_strain_modulus, plane_strain_modulus
from .ramp import KStep, QuasiStaticKRamp, RampResult
from .tip import BondBreakingTip, fit_k_field

__all__ = ["BondBreakingTip", "KStep", "fit_k_field", "QuasiStaticKRamp", "RampResult", "cleavage_surface_energy", "griffith_k",
           "orthotropic_plane_strain_modulus", "plane_strain_modulus"]
