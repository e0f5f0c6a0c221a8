"""Which device and compute type an engine runs on when the settings say `auto`."""

from __future__ import annotations

import ctranslate2


def pick_device(requested: str) -> str:
    if requested != "auto":
        return requested
    try:
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except RuntimeError:
        return "cpu"


def pick_compute_type(requested: str, device: str) -> str:
    if requested != "auto":
        return requested
    return "float16" if device == "cuda" else "int8"
