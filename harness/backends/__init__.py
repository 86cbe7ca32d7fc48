"""Board backends: name → class, imported on first use; more via entry points
in the `tinyfarm.backends` group."""

from harness.backends.base import BoardBackend
from harness.registry import Registry

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
    },
)

__all__ = ["BACKENDS", "BoardBackend"]
