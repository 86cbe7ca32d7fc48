"""pyOCD itself, as far as it runs without hardware: what tinyfarm calls exists with the
arguments tinyfarm passes, and behaves as the fakes assume (no probe, a stub probe)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from harness.backends.pyocd import PyocdBackend, keep_debuggable, target_available
from harness.config.model import BoardConfig
from harness.errors import FlashError
from tests.unit.physical_fakes import real

helpers = real("pyocd.core.helpers")
exceptions = real("pyocd.core.exceptions")
session_mod = real("pyocd.core.session")
programmer_mod = real("pyocd.flash.file_programmer")
nrf52 = real("pyocd.target.family.target_nRF52")
debug_probe = real("pyocd.probe.debug_probe")
SAFE = {"auto_unlock": False, "chip_erase": "sector"}


def test_the_calls_tinyfarm_makes_bind_to_pyocds_signatures() -> None:
    sig = inspect.signature
    sig(helpers.ConnectHelper.get_all_connected_probes).bind(blocking=False, print_wait_message=False)
    sig(helpers.ConnectHelper.session_with_chosen_probe).bind(
        blocking=False, return_first=False, auto_open=False, unique_id="x", target_override="nrf52840",
        options=SAFE,
    )
    sig(programmer_mod.FileProgrammer).bind(None, progress=print, chip_erase="sector")
    sig(programmer_mod.FileProgrammer.program).bind(None, "a.bin", file_format="bin", base_address=0x80000)
    sig(nrf52.NRF52.write_uicr).bind(None, 0x10001208, 0x5A)
    # the option tinyfarm no longer passes is deprecated and ignored there
    assert "Deprecated and ignored" in (programmer_mod.FileProgrammer.__init__.__doc__ or "")


def test_no_probe_attached_lists_none_and_opens_no_session() -> None:
    assert helpers.ConnectHelper.get_all_connected_probes(blocking=False, print_wait_message=False) == []
    session = helpers.ConnectHelper.session_with_chosen_probe(
        blocking=False, return_first=False, auto_open=False, unique_id="0240000034544E45", options=SAFE
    )
    assert session is None  # what the backend turns into BoardUnavailable


def _stub_probe() -> Any:
    probe = mock.create_autospec(debug_probe.DebugProbe, instance=True)
    probe.unique_id = "STUB"
    probe.wire_protocol = debug_probe.DebugProbe.Protocol.SWD
    probe.supported_wire_protocols = {debug_probe.DebugProbe.Protocol.SWD}
    probe.capabilities = set()
    probe.create_associated_board.return_value = None
    probe.read_dp.side_effect = exceptions.TransferError("no target behind the stub probe")
    return probe


def test_a_stub_probe_with_no_target_fails_open_with_a_pyocd_error() -> None:
    session = session_mod.Session(_stub_probe(), options={**SAFE, "target_override": "nrf52840"})
    with pytest.raises(exceptions.Error):  # what the fakes raise from open(); a FlashError upstream
        session.open()
    assert type(session.target).__name__ == "NRF52840"


def test_a_locked_nrf52840_is_not_mass_erased_without_unlock() -> None:
    """pyOCD's own init step with tinyfarm's options: it warns and leaves the chip alone."""
    session = session_mod.Session(_stub_probe(), options={**SAFE, "target_override": "nrf52840"})
    target = session.target
    target.ctrl_ap = mock.Mock()
    target.ctrl_ap.read_reg.return_value = nrf52.CTRL_AP_APPROTECTSTATUS_ENABLED
    assert target.is_locked()
    target.check_flash_security()
    target.ctrl_ap.write_reg.assert_not_called()  # no ERASEALL
    options = {"auto_unlock": True, "target_override": "nrf52840"}
    unlocking = session_mod.Session(_stub_probe(), options=options)
    unlocking.target.ctrl_ap = target.ctrl_ap
    with (
        mock.patch.object(type(unlocking.target), "mass_erase", return_value=True) as erase,
        mock.patch.object(unlocking.target, "_discoverer", create=True),
    ):
        unlocking.target.check_flash_security()
    erase.assert_called_once()  # pyOCD's default: why tinyfarm turns it off


def test_the_backend_refuses_a_locked_chip_with_the_way_out(tmp_path: Path) -> None:
    session = session_mod.Session(_stub_probe(), options={**SAFE, "target_override": "nrf52840"})
    session.target.ctrl_ap = mock.Mock(read_reg=mock.Mock(return_value=0))
    board = BoardConfig("nano-1", "pyocd", target="nrf52840", probe="STUB")
    backend = PyocdBackend(board, tmp_path)
    with (
        pytest.raises(FlashError, match=r"nano-1: the nrf52840 is locked .* Set unlock = true"),
        backend._opened(session),
    ):
        pass


def test_uicr_approtect_is_written_through_pyocds_nvmc_sequence() -> None:
    session = session_mod.Session(_stub_probe(), options={**SAFE, "target_override": "nrf52840"})
    target = session.target
    writes: list[tuple[int, int]] = []
    with (
        mock.patch.object(target, "read32", side_effect=lambda a: 0xFFFFFFFF if a == 0x10001208 else 1),
        mock.patch.object(target, "write32", side_effect=lambda a, v: writes.append((a, v))),
    ):
        keep_debuggable(target, unlocked=False)
    assert writes == [(0x4001E504, 1), (0x10001208, 0x5A), (0x4001E504, 0)]


def test_targets_built_in_or_needing_a_pack(tmp_path: Path) -> None:
    assert target_available("nrf52840")
    if target_available("stm32l4r5zitx"):
        pytest.skip("the STM32L4R5 pack is installed on this machine")
    board = BoardConfig("nucleo-1", "pyocd", target="stm32l4", probe="X")
    reason = PyocdBackend(board, tmp_path).presence().reason
    assert reason == "pyocd target stm32l4r5zitx needs its CMSIS pack: pyocd pack install stm32l4r5zitx"
