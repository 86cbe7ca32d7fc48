"""tinyfarm: run TinyML models on boards and their emulated twins, gate on budgets."""

__version__ = "0.1.0"
