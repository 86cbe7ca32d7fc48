"""Name → class registries with lazy import and entry points.

A new backend, link or report writer is a class somewhere plus one entry
point (or a register() call); core code never grows an if/elif chain.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from harness.backends.base import BoardBackend

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, group: str, builtins: dict[str, str]):
        self.kind = kind
        self.group = group
        self._targets: dict[str, str | type[T]] = dict(builtins)
        self._entry_points_loaded = False

    def register(self, name: str, target: str | type[T]) -> None:
        """target: a class, or "module:Class" imported on first use."""
        self._targets[name] = target

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(self._targets)

    def get(self, name: str) -> type[T]:
        self._load_entry_points()
        try:
            target = self._targets[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}") from None
        if isinstance(target, str):
            module_name, _, class_name = target.partition(":")
            target = getattr(importlib.import_module(module_name), class_name)
            self._targets[name] = target
        return target

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=self.group):
            self._targets.setdefault(ep.name, ep.value)


# Board backends: name → class, imported on first use; more through entry
# points in the `tinyfarm.backends` group. Declared here, at the bottom, so
# that config validation can ask a backend for its keys without importing it.
BACKENDS: Registry[BoardBackend] = Registry(
    "backend",
    "tinyfarm.backends",
    {
        "qemu": "harness.backends.qemu:QemuBackend",
        "renode": "harness.backends.renode:RenodeBackend",
        "fake": "harness.backends.hostagent:HostAgentBackend",
        "pyocd": "harness.backends.pyocd:PyocdBackend",
        "esptool": "harness.backends.esptool:EsptoolBackend",
        "command": "harness.backends.command:CommandBackend",
        "serial": "harness.backends.serial:SerialBackend",
    },
)
