"""Scenario files: the schema (:mod:`.schema`) and the coupled model built from one (:mod:`.build`)."""

from .build import SCENARIO_KEYS, ScenarioPlan, build_model, check_scenario
from .schema import MAX_GRADIENT, MAX_K_STEPS, Scenario, load_scenario

__all__ = ["MAX_GRADIENT", "MAX_K_STEPS", "SCENARIO_KEYS", "Scenario", "ScenarioPlan", "build_model",
           "check_scenario", "load_scenario"]
