"""farm.toml → a typed, validated FarmConfig: the data model (model.py), the
loader and its error messages (load.py), board profiles and calibration.

What belongs here describes boards and models; nothing here acts on them.
May import only the bottom modules (errors, registry, procs).
"""

from harness.config.model import BoardConfig, BudgetSet, FarmConfig, ModelConfig, SerialMatch

__all__ = ["BoardConfig", "BudgetSet", "FarmConfig", "ModelConfig", "SerialMatch"]
