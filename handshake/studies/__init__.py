"""Studies: what ``handshake run`` does with a scenario, one module per study kind.

:mod:`.base` holds the shared :class:`~.base.Study` (output, provenance, guards,
checkpoints, stop signals, the molecular dynamics that may follow the statics) and the
registry :data:`~.base.STUDIES`; :mod:`.crack`, :mod:`.glide` and :mod:`.relaxation` are
the study kinds; :func:`run_scenario` runs a scenario file; :func:`run_status` reads the
state of a run directory.
"""

from . import crack, glide, relaxation  # noqa: F401  (each registers its study kind)
from .base import STUDIES, Study, record_speedup, study_kind
from .run import run_scenario
from .status import run_status

__all__ = ["STUDIES", "Study", "record_speedup", "run_scenario", "run_status", "study_kind"]
