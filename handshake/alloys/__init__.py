"""Random alloys: solid solutions by seed, short-range order, their effective medium,
composition fields."""

from .composition_field import CompositionBand
from .effective_medium import EffectiveMedium, effective_medium
from .short_range_order import OrderedTile, disc_warren_cowley, warren_cowley
from .solid_solution import normalised_composition, random_species

__all__ = ["CompositionBand", "EffectiveMedium", "OrderedTile", "disc_warren_cowley", "effective_medium",
           "normalised_composition", "random_species", "warren_cowley"]
