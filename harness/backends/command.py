"""Boards flashed by an external tool: openocd, probe-rs, nrfjprog, dfu-util, bossac, ...

farm.toml gives a command template; placeholders are filled per board:

    {image}       the agent image in image_format (elf, hex or bin)
    {elf} {hex} {bin}   each format explicitly
    {model}       a file holding the model bytes
    {model_addr}  the model slot's address, 0x-prefixed hex
    {port}        the board's serial port, found by its USB identity now
    {probe}       the probe id from farm.toml
    {board}       the board's name

A template string is split like a shell line first, then each word is
filled, so paths with spaces stay one argument; a list of strings is taken
as the words. No shell runs unless the template calls one. `model_command`,
when given, runs after `flash_command` (for tools that take one file at a
time); a model neither command writes is sent over the link (LOAD_MODEL)
where the agent can take it. `reset_command` resets the board.
"""

from __future__ import annotations

import shlex
import shutil
import string
import subprocess
from typing import Any, ClassVar

from harness.backends.base import Presence
from harness.backends.physical import PhysicalBackend
from harness.boards.firmware import FirmwareImage
from harness.config.board_firmware import image_format
from harness.config.keys import Key
from harness.errors import FlashError
from harness.procs import stop_process_group

PLACEHOLDERS = ("image", "elf", "hex", "bin", "model", "model_addr", "port", "probe", "board")
DEFAULT_TIMEOUT = 120.0


def _template_ok(value: Any) -> bool:
    words = template_words(value)
    if not words:
        return False
    try:
        return all(field in PLACEHOLDERS for word in words for field in fields(word))
    except ValueError:
        return False


def template_words(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError:
            return []
    if isinstance(value, list) and all(isinstance(w, str) for w in value):
        return list(value)
    return []


def fields(word: str) -> list[str]:
    """The placeholder names in one word (ValueError when it is malformed)."""
    return [name for _, name, _, _ in string.Formatter().parse(word) if name is not None]


TEMPLATE = Key(
    (str, list),
    "a command line (string or list of words) using " + ", ".join("{" + p + "}" for p in PLACEHOLDERS),
    _template_ok,
)


class CommandBackend(PhysicalBackend):
    tool = "command"
    config_keys: ClassVar[dict[str, Key]] = {
        **PhysicalBackend.config_keys,
        "flash_command": Key(TEMPLATE.types, TEMPLATE.accepted, TEMPLATE.check, required=True),
        "model_command": TEMPLATE,
        "reset_command": TEMPLATE,
        "command_timeout": Key((int, float), "seconds > 0 (default 120)", lambda v: v > 0),
        "image_format": Key((str,), "elf | hex | bin", lambda v: v in ("elf", "hex", "bin")),
        "model_addr": Key((int,), "the model slot's address (default: the ELF's __model_slot_start)"),
    }

    @property
    def timeout(self) -> float:
        return float(self.board.options.get("command_timeout", DEFAULT_TIMEOUT)) * self.board.timeout_factor

    def _words(self, key: str) -> list[str]:
        return template_words(self.board.options.get(key))

    def tool_presence(self) -> Presence:
        words = self._words("flash_command")
        if words and not fields(words[0]) and shutil.which(words[0]) is None:
            return Presence(False, f"{words[0]} not found on PATH")
        return Presence(True)

    def _values(
        self, words: list[str], firmware: FirmwareImage | None, model: bytes | None
    ) -> dict[str, str]:
        """Only what the template uses is computed: {port} waits for the port by identity."""
        used = {name for word in words for name in fields(word)}
        values: dict[str, str] = {"board": self.board.name, "probe": self.board.probe or ""}
        if firmware is not None and firmware.parts:  # a prebuilt image: its one file, as it is
            path = str(firmware.parts[0][1])
            values.update({"image": path, image_format(firmware.parts[0][1]): path})
        elif firmware is not None:
            fmt = self.board.options.get("image_format", "elf")
            values["elf"] = str(firmware.elf)
            for ext in ("hex", "bin"):  # made next to the ELF by the firmware build
                values[ext] = str(firmware.elf.with_suffix(f".{ext}"))
            values["image"] = values[fmt]
        if firmware is not None and "model_addr" in used:
            values["model_addr"] = f"{self.model_addr(firmware):#010x}"
        if "model" in used:
            if model is None:
                raise FlashError(
                    f"board {self.board.name}: the command needs {{model}} but no model was given"
                )
            values["model"] = self.model_file(model)
        if "port" in used:
            values["port"] = self.board.url or self.find_port().device
        if "probe" in used and not self.board.probe:
            raise FlashError(f"board {self.board.name}: the command uses {{probe}}; set probe in farm.toml")
        missing = used - values.keys()
        if missing:
            raise FlashError(f"board {self.board.name}: nothing to put in {{{', '.join(sorted(missing))}}}")
        return values

    def run(self, key: str, firmware: FirmwareImage | None, model: bytes | None) -> str:
        """Fill and run one template; its output, or a FlashError with what the tool said."""
        words = self._words(key)
        values = self._values(words, firmware, model)
        argv = [word.format(**values) for word in words]
        tool = argv[0]
        self._report(tool, 0.0)
        try:
            process = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                start_new_session=True,
                cwd=self.workdir,
            )
        except OSError as exc:
            raise FlashError(f"board {self.board.name}: cannot run {tool}: {exc}") from exc
        try:
            output, _ = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            stop_process_group(process)
            raise FlashError(
                f"board {self.board.name}: {tool} did not finish within {self.timeout:g} s"
            ) from None
        finally:
            stop_process_group(process)
        (self.workdir / f"{key}.log").write_text(output)
        if process.returncode != 0:
            tail = output.strip()[-1500:] or "(no output)"
            raise FlashError(
                f"board {self.board.name}: {tool} exited with status {process.returncode}: {tail}"
            )
        self._report(tool, 1.0)
        return output

    def program(self, firmware: FirmwareImage, model: bytes | None) -> None:
        flash_words = self._words("flash_command")
        writes_model = any("model" in fields(w) for w in flash_words)
        self.run("flash_command", firmware, model if writes_model else None)
        if model is not None and "model_command" in self.board.options:
            self.run("model_command", firmware, model)

    def hardware_reset(self) -> None:
        if "reset_command" in self.board.options:
            self.run("reset_command", None, None)
