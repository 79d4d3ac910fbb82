"""A toy model built from small temp files, so registry behaviour is tested without real models.

A plain module (not conftest.py) with a name no other test folder uses, imported by name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import MappingProxyType

from citywatch.models import ModelFile, ModelSpec, TensorSpec, Variant

TOY = "toy-detector-0001"


def content(precision: str, suffix: str) -> bytes:
    """Distinct bytes per file, so a file in the wrong place fails its checksum."""
    return f"{TOY} {precision} {suffix}\n".encode() * 8


def toy_spec(
    precisions: tuple[str, ...] = ("FP32", "FP16", "FP16-INT8"),
    default: str | None = "FP16-INT8",
    base_url: str | None = None,
    name: str = TOY,
) -> ModelSpec:
    variants = []
    for precision in precisions:
        files = []
        for suffix in (".xml", ".bin"):
            data = content(precision, suffix)
            filename = f"{name}{suffix}"
            url = f"{base_url}/{name}/{precision}/{filename}" if base_url else None
            files.append(ModelFile(filename, hashlib.sha256(data).hexdigest(), len(data), url))
        variants.append(Variant(precision, tuple(files)))
    return ModelSpec(
        name=name,
        kind="person-detector",
        source="omz",
        variants=tuple(variants),
        default_precision=default,
        inputs=(TensorSpec("data", (1, 3, 32, 64), "NCHW"),),
        outputs=("detection_out",),
        labels=MappingProxyType({1: "person"}),
    )


def write_variant(omz: Path, precision: str, suffixes: tuple[str, ...] = (".xml", ".bin")) -> Path:
    """Put the toy model's files for `precision` under `omz/<name>/<precision>/`."""
    folder = omz / TOY / precision
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in suffixes:
        (folder / f"{TOY}{suffix}").write_bytes(content(precision, suffix))
    return folder
