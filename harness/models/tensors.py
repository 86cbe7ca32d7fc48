"""Several inputs and outputs on one wire: the agent takes a sample as the
concatenation of every input tensor's bytes, in the model's input order, and
answers with the concatenation of every output's. These pure helpers pack and
split such rows (one row per sample, uint8)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt


class Spec(Protocol):
    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def dtype(self) -> np.dtype[Any]: ...


def nbytes(spec: Spec) -> int:
    return int(np.prod(spec.shape[1:])) * spec.dtype.itemsize


def pack(arrays: Sequence[npt.NDArray[Any]]) -> npt.NDArray[np.uint8]:
    """Per-sample rows of every array's bytes, in order (arrays share their first axis)."""
    count = len(arrays[0])
    rows = [np.ascontiguousarray(a).reshape(count, -1).view(np.uint8) for a in arrays]
    return np.concatenate(rows, axis=1)


def unpack(rows: npt.NDArray[Any], specs: Sequence[Spec]) -> list[npt.NDArray[Any]]:
    """The tensors of packed rows, each shaped (samples, *its shape without batch)."""
    raw = np.ascontiguousarray(rows).reshape(len(rows), -1).view(np.uint8)
    tensors, offset = [], 0
    for spec in specs:
        size = nbytes(spec)
        part = np.ascontiguousarray(raw[:, offset : offset + size]).view(spec.dtype)
        tensors.append(part.reshape(len(rows), *spec.shape[1:]))
        offset += size
    if offset != raw.shape[1]:
        raise ValueError(f"rows of {raw.shape[1]} bytes for tensors of {offset} bytes")
    return tensors
