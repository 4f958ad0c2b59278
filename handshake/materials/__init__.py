"""Material properties of a potential: lattice parameter, elastic constants, surface energies."""

from .cache import material_properties
from .properties import MaterialProperties, compute_material_properties

__all__ = ["MaterialProperties", "compute_material_properties", "material_properties"]
