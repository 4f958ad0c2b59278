"""Dislocations: applied glide stress, core position and dissociation from the atoms, glide ramps."""

from .core import CoreStructure, disregistry, fit_partials
from .glide import GlideResult, GlideStep, ShearRamp
from .loading import glide_shear_gradient
from .stacking_fault import elastic_dissociation_width_A, intrinsic_stacking_fault_energy

__all__ = ["CoreStructure", "GlideResult", "GlideStep", "ShearRamp", "disregistry", "elastic_dissociation_width_A",
           "fit_partials", "glide_shear_gradient", "intrinsic_stacking_fault_energy"]
