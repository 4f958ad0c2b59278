"""Scenario files: the schema (:mod:`.schema`), reading a file (:mod:`.files`) and the coupled
model built from one (:mod:`.build`)."""

from .build import SCENARIO_KEYS, ScenarioPlan, build_model, check_scenario
from .files import load_scenario, with_paths_beside
from .schema import MAX_GRADIENT, MAX_K_STEPS, Scenario

__all__ = ["MAX_GRADIENT", "MAX_K_STEPS", "SCENARIO_KEYS", "Scenario", "ScenarioPlan", "build_model",
           "check_scenario", "load_scenario", "with_paths_beside"]
