"""Models: the catalogue (registry), where they live on disk (store), and HF → CTranslate2."""

from diktat.models.convert import QUANTIZATIONS, convert_hf_whisper
from diktat.models.registry import REGISTRY, ModelFile, ModelSpec, PartRef, default_model
from diktat.models.store import (
    FileCheck,
    ModelStatus,
    ModelStore,
    ResolvedModel,
    VerifyResult,
)

__all__ = [
    "QUANTIZATIONS",
    "REGISTRY",
    "FileCheck",
    "ModelFile",
    "ModelSpec",
    "ModelStatus",
    "ModelStore",
    "PartRef",
    "ResolvedModel",
    "VerifyResult",
    "convert_hf_whisper",
    "default_model",
]
