"""Random alloys: solid solutions by seed, their effective medium, composition fields."""

from .composition_field import CompositionBand
from .effective_medium import EffectiveMedium, effective_medium
from .solid_solution import normalised_composition, random_species

__all__ = ["CompositionBand", "EffectiveMedium", "effective_medium", "normalised_composition", "random_species"]
