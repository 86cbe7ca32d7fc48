"""Board backends: how tinyfarm acts on a board (start or flash, open the
link, reset, clean up). A board's description lives in harness.config; the
name → class registry is harness.registry.BACKENDS (entry-point group
`tinyfarm.backends`). May import boards, link, config and the bottom modules.
"""

from harness.backends.base import BoardBackend
from harness.registry import BACKENDS

__all__ = ["BACKENDS", "BoardBackend"]
