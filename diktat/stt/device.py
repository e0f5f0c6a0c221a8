"""Which device and compute type an engine runs on when the settings say `auto`."""

from __future__ import annotations


def pick_device(requested: str) -> str:
    if requested != "auto":
        return requested
    # Imported here: the CLI imports the engine factory at start, and ctranslate2 takes a
    # quarter of a second to import even for `diktat --help` or `diktat models list`.
    import ctranslate2

    try:
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except RuntimeError:
        return "cpu"


def pick_compute_type(requested: str, device: str) -> str:
    if requested != "auto":
        return requested
    return "float16" if device == "cuda" else "int8"
