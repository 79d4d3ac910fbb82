"""Model registry: which models citywatch can use, where their files are, and fetching them.

Two kinds of model: Open Model Zoo networks kept in a model directory (`CITYWATCH_MODEL_DIR`
or `model_dir` in the configuration) and checked against pinned sha256s, and model files that
installed Python packages ship. Only `ModelRegistry.pull` ever downloads.
"""

from citywatch.models.download import DownloadProgress
from citywatch.models.location import MODEL_DIR_ENV, ModelDir, omz_root, resolve_model_dir
from citywatch.models.registry import (
    ModelRegistry,
    PullResult,
    ResolvedModel,
    VerifyResult,
)
from citywatch.models.specs import (
    ModelFile,
    ModelSpec,
    PackageLocation,
    TensorSpec,
    Variant,
    builtin_specs,
)

__all__ = [
    "MODEL_DIR_ENV",
    "DownloadProgress",
    "ModelDir",
    "ModelFile",
    "ModelRegistry",
    "ModelSpec",
    "PackageLocation",
    "PullResult",
    "ResolvedModel",
    "TensorSpec",
    "Variant",
    "VerifyResult",
    "builtin_specs",
    "omz_root",
    "resolve_model_dir",
]
