"""What citywatch knows about each model: typed, immutable specs read from `catalog.toml`.

The catalog is data, not code, so adding a model or a precision is an edit to one table. It is
parsed on first use (no work at import time) and cached for the life of the process.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

from citywatch.core.errors import UsageError

Source = Literal["omz", "package"]

CATALOG_FILE = "catalog.toml"


@dataclass(frozen=True)
class ModelFile:
    """One file of a model variant, with the facts needed to fetch and check it."""

    name: str
    sha256: str
    size: int | None
    url: str | None


@dataclass(frozen=True)
class Variant:
    """One precision of an OMZ model (e.g. FP16, FP16-INT8): an .xml and a .bin."""

    precision: str
    files: tuple[ModelFile, ...]


@dataclass(frozen=True)
class TensorSpec:
    """A model input as the stages need it to prepare images; layout is "" for non-images."""

    name: str
    shape: tuple[int, ...]
    layout: str

    @property
    def height(self) -> int:
        return self._image_dim("H")

    @property
    def width(self) -> int:
        return self._image_dim("W")

    def _image_dim(self, axis: str) -> int:
        if axis not in self.layout or len(self.layout) != len(self.shape):
            raise ValueError(f"input {self.name!r} is not an image input (layout {self.layout!r})")
        return self.shape[self.layout.index(axis)]


@dataclass(frozen=True)
class PackageLocation:
    """Where a package-shipped model lives: a file under a top-level module's folder."""

    module: str
    distribution: str
    path: str


@dataclass(frozen=True)
class ModelSpec:
    """Everything known about one model before looking at the disk."""

    name: str
    kind: str
    source: Source
    summary: str = ""
    licence: str = ""
    variants: tuple[Variant, ...] = ()
    default_precision: str | None = None
    inputs: tuple[TensorSpec, ...] = ()
    outputs: tuple[str, ...] = ()
    # Excluded from hashing: a mapping cannot be hashed, and the name identifies a spec anyway.
    labels: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    package: PackageLocation | None = None

    @property
    def precisions(self) -> tuple[str, ...]:
        return tuple(v.precision for v in self.variants)

    def variant(self, precision: str) -> Variant:
        """The variant for `precision` (case-insensitive); UsageError listing the known ones."""
        for variant in self.variants:
            if variant.precision.lower() == precision.lower():
                return variant
        if self.source == "package":
            raise UsageError(
                f"model {self.name} ships inside the Python package "
                f"{self.package.distribution if self.package else '?'} and has no precisions"
            )
        known = ", ".join(self.precisions)
        raise UsageError(f"model {self.name} has no precision {precision!r} (known: {known})")

    def class_id(self, label: str) -> int | None:
        """The output class index meaning `label` (e.g. "person"), or None if it has none."""
        for index, name in self.labels.items():
            if name == label:
                return index
        return None


@functools.cache
def builtin_specs() -> tuple[ModelSpec, ...]:
    """The catalog shipped with citywatch, in file order (OMZ models first)."""
    text = resources.files("citywatch.models").joinpath(CATALOG_FILE).read_text(encoding="utf-8")
    return parse_catalog(tomllib.loads(text))


def parse_catalog(data: Mapping[str, Any]) -> tuple[ModelSpec, ...]:
    """Turn the TOML tables into specs. Errors here are bugs in the catalog, so ValueError."""
    specs = [_omz_spec(entry) for entry in data.get("omz", [])]
    specs += [_package_spec(entry) for entry in data.get("package", [])]
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{CATALOG_FILE}: duplicate model names: {', '.join(duplicates)}")
    return tuple(specs)


def _omz_spec(entry: Mapping[str, Any]) -> ModelSpec:
    name = entry["name"]
    variants = tuple(_variant(name, v) for v in entry.get("variant", []))
    if not variants:
        raise ValueError(f"{CATALOG_FILE}: omz model {name} has no variants")
    default = entry.get("default_precision")
    if default is not None and default not in (v.precision for v in variants):
        raise ValueError(f"{CATALOG_FILE}: {name}: default_precision {default} is not a variant")
    return ModelSpec(
        name=name,
        kind=entry["kind"],
        source="omz",
        summary=entry.get("summary", ""),
        licence=entry.get("licence", ""),
        variants=variants,
        default_precision=default,
        inputs=tuple(
            TensorSpec(name=i["name"], shape=tuple(i["shape"]), layout=i.get("layout", ""))
            for i in entry.get("inputs", [])
        ),
        outputs=tuple(entry.get("outputs", [])),
        labels=MappingProxyType({int(k): v for k, v in entry.get("labels", {}).items()}),
    )


def _variant(model: str, entry: Mapping[str, Any]) -> Variant:
    base_url = entry.get("base_url")
    files = []
    for f in entry["files"]:
        sha256 = f["sha256"].lower()
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"{CATALOG_FILE}: {model}: bad sha256 for {f['name']}")
        url = f.get("url") or (base_url + f["name"] if base_url else None)
        files.append(ModelFile(name=f["name"], sha256=sha256, size=f.get("size"), url=url))
    return Variant(precision=entry["precision"], files=tuple(files))


def _package_spec(entry: Mapping[str, Any]) -> ModelSpec:
    return ModelSpec(
        name=entry["name"],
        kind=entry["kind"],
        source="package",
        summary=entry.get("summary", ""),
        licence=entry.get("licence", ""),
        package=PackageLocation(
            module=entry["module"], distribution=entry["distribution"], path=entry["path"]
        ),
    )
