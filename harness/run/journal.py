"""Per-sample journal: every measured inference is on disk before the next one starts.

One JSON line per sample, appended and flushed, so a run killed with
SIGKILL keeps everything it measured; the next run with the same firmware,
model and inputs resumes after the last sample that was written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, Any


class SampleJournal:
    def __init__(self, folder: Path, model: str, identity: dict[str, str]):
        key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{model}-{key}.jsonl"
        self.identity = identity
        self._file: IO[str] | None = None

    def load(self) -> dict[int, tuple[bytes, int]]:
        """Samples measured by an earlier, interrupted run (empty if it completed)."""
        if not self.path.exists():
            return {}
        samples: dict[int, tuple[bytes, int]] = {}
        complete = False
        for line in self.path.read_text().splitlines():
            try:
                entry: dict[str, Any] = json.loads(line)
            except json.JSONDecodeError:
                break  # the line being written when the run was killed
            if "sample" in entry:
                samples[int(entry["sample"])] = (bytes.fromhex(entry["output"]), int(entry["ticks"]))
            complete = complete or entry.get("complete", False)
        return {} if complete else samples

    def open(self, resumed: int) -> None:
        mode = "a" if resumed else "w"
        self._file = self.path.open(mode)
        if not resumed:
            self._write({"identity": self.identity})

    def _write(self, entry: dict[str, Any]) -> None:
        assert self._file is not None
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()

    def append(self, index: int, output: bytes, ticks: int) -> None:
        self._write({"sample": index, "output": output.hex(), "ticks": ticks})

    def complete(self) -> None:
        self._write({"complete": True})
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
