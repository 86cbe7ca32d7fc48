"""What every verb shares."""

import shutil

from rich.console import Console

# Messages and progress go to stderr; tables and data to stdout, wide enough
# to read when piped into a log.
console = Console(stderr=True)
out = Console(width=max(140, shutil.get_terminal_size().columns))
