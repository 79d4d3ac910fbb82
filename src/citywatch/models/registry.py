"""The model registry: which models exist, where their files are, whether they are intact.

Stages ask it for a model by name (`require`) and get paths back, or a one-line `ModelError`
that says which file is missing, where it looked and how to get it. Nothing here touches the
network except `pull`, which a person runs on purpose.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from citywatch.core.errors import ModelError, UsageError
from citywatch.models.checksum import sha256_file
from citywatch.models.download import (
    DEFAULT_TIMEOUT_S,
    DownloadProgress,
    check_mirror,
    fetch_file,
    mirror_source,
)
from citywatch.models.location import (
    MODEL_DIR_ENV,
    OMZ_FOLDER,
    omz_root,
    resolve_model_dir,
)
from citywatch.models.package import distribution_version, package_file_path, recorded_sha256
from citywatch.models.specs import ModelFile, ModelSpec, Variant, builtin_specs

log = logging.getLogger(__name__)

VerifyStatus = Literal["ok", "mismatch", "absent", "unchecked"]
PullAction = Literal["downloaded", "present"]

# `pull --precision all` fetches every precision the registry lists.
ALL_PRECISIONS = "all"


@dataclass(frozen=True)
class ResolvedModel:
    """A model whose files are all on disk. `files` keeps the catalog order (.xml, then .bin)."""

    spec: ModelSpec = field(repr=False)  # the name is in every path; the spec is long
    precision: str | None
    files: tuple[Path, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def path(self) -> Path:
        """The file a loader opens: the .xml of an OMZ model, the only file of a package one."""
        return self.files[0]

    @property
    def xml(self) -> Path:
        return self.file_with_suffix(".xml")

    @property
    def bin(self) -> Path:
        return self.file_with_suffix(".bin")

    def file_with_suffix(self, suffix: str) -> Path:
        for path in self.files:
            if path.suffix == suffix:
                return path
        raise ModelError(f"model {self.name} has no {suffix} file")


@dataclass(frozen=True)
class VerifyResult:
    """One file checked. `required` marks an absent file that counts as a failure."""

    model: str
    precision: str | None
    path: Path | None
    status: VerifyStatus
    expected: str | None = None
    actual: str | None = None
    required: bool = False
    reason: str = ""  # why an absent file could not even be looked for

    @property
    def failed(self) -> bool:
        return self.status == "mismatch" or (self.status == "absent" and self.required)

    def problem(self) -> str:
        """One line for a failed result, naming the file."""
        if self.status == "mismatch":
            return f"{self.path}: sha256 mismatch (expected {self.expected}, got {self.actual})"
        if self.path is None:
            return f"model {self.model}: {self.reason or 'not found'}"
        return f"model {self.model}: {self.path} is missing"


@dataclass(frozen=True)
class PullResult:
    model: str
    precision: str
    path: Path
    action: PullAction
    source: str


class ModelRegistry:
    """Model specs plus one model directory (or none: then only package models are found)."""

    def __init__(
        self,
        model_dir: Path | str | None,
        specs: Iterable[ModelSpec] | None = None,
        *,
        origin: str | None = None,
    ) -> None:
        self.model_dir = Path(model_dir).expanduser() if model_dir is not None else None
        # Which setting named the directory ("--model-dir", CITYWATCH_MODEL_DIR, ...), said in
        # messages so a person knows what to change.
        self.origin = origin
        chosen = builtin_specs() if specs is None else tuple(specs)
        self._specs: Mapping[str, ModelSpec] = {s.name: s for s in chosen}
        if len(self._specs) != len(chosen):
            raise ValueError("model specs must have unique names")

    @classmethod
    def from_settings(
        cls,
        model_dir: str | None = None,
        environ: Mapping[str, str] | None = None,
        specs: Iterable[ModelSpec] | None = None,
    ) -> ModelRegistry:
        """A registry for the configured `model_dir`, overridden by `CITYWATCH_MODEL_DIR`."""
        resolved = resolve_model_dir(model_dir, environ)
        if resolved is None:
            return cls(None, specs)
        return cls(resolved.path, specs, origin=resolved.origin)

    # --- looking things up -------------------------------------------------------------------

    @property
    def specs(self) -> tuple[ModelSpec, ...]:
        return tuple(self._specs.values())

    @property
    def omz_root(self) -> Path | None:
        """The folder with `<name>/<precision>/` inside, or None without a model directory."""
        if self.model_dir is None:
            return None
        omz_names = [s.name for s in self._specs.values() if s.source == "omz"]
        return omz_root(self.model_dir, omz_names)

    def spec(self, name: str) -> ModelSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise UsageError(_unknown_model_message(name, list(self._specs))) from None

    def of_kind(self, kind: str) -> tuple[ModelSpec, ...]:
        return tuple(s for s in self._specs.values() if s.kind == kind)

    def file_path(self, spec: ModelSpec, variant: Variant, file: ModelFile) -> Path | None:
        """Where an OMZ file belongs in the model directory (present or not)."""
        root = self.omz_root
        return None if root is None else root / spec.name / variant.precision / file.name

    def present_precisions(self, name: str) -> tuple[str, ...]:
        """Precisions of `name` with every file present, in the order `find` tries them."""
        spec = self.spec(name)
        return tuple(v.precision for v in _precision_order(spec) if self._variant_paths(spec, v))

    def find(self, name: str, precision: str | None = None) -> ResolvedModel | None:
        """The model's files if all are present, else None.

        Without `precision`: the registry's default precision if present, else the first
        present in catalog order, so the choice never depends on directory listing order.
        """
        spec = self.spec(name)
        if spec.source == "package":
            if precision is not None:
                spec.variant(precision)  # raises: package models have no precisions
            path = self._package_path(spec)
            return ResolvedModel(spec, None, (path,)) if path is not None else None
        candidates = (spec.variant(precision),) if precision else _precision_order(spec)
        for variant in candidates:
            paths = self._variant_paths(spec, variant)
            if paths:
                return ResolvedModel(spec, variant.precision, paths)
        return None

    def require(self, name: str, precision: str | None = None) -> ResolvedModel:
        """Like `find`, but a missing model is a ModelError that says how to get it."""
        found = self.find(name, precision)
        if found is not None:
            return found
        spec = self.spec(name)
        if spec.source == "package":
            raise ModelError(self._package_missing_message(spec))
        variant = spec.variant(precision) if precision else _precision_order(spec)[0]
        pull = f"citywatch models pull {name}"
        if precision:
            pull += f" --precision {variant.precision}"
        if self.model_dir is None:
            raise ModelError(
                f"model {name}: no model directory is set (set {MODEL_DIR_ENV} or model_dir in "
                f"the configuration); get the files with `{pull} --model-dir DIR`"
            )
        if self.origin != MODEL_DIR_ENV:
            # Only the environment variable reaches `pull` by itself; otherwise say where.
            pull += f" --model-dir {self.model_dir}"
        paths = [self.file_path(spec, variant, f) for f in variant.files]
        missing = next((p for p in paths if p is not None and not p.is_file()), paths[0])
        looked = f"{self.omz_root}, from {self.origin}" if self.origin else f"{self.omz_root}"
        raise ModelError(
            f"model {name} ({variant.precision}): {missing} is missing (looked in {looked}); "
            f"get it with `{pull}`"
        )

    def package_file(self, name: str) -> Path:
        """The file of a model shipped inside an installed Python package."""
        spec = self.spec(name)
        if spec.source != "package":
            raise UsageError(f"model {name} is not shipped in a package; use require({name!r})")
        path = self._package_path(spec)
        if path is None:
            raise ModelError(self._package_missing_message(spec))
        return path

    # --- checking ----------------------------------------------------------------------------

    def verify(self, names: Iterable[str] | None = None) -> list[VerifyResult]:
        """Hash every present file of the named models (all models when `names` is None).

        Absent files are reported, and count as failures only for models named explicitly
        that have no file at all, or whose files are half there (one precision's .xml without
        its .bin, say): a model someone asks about must exist; the rest of the catalog need not.
        """
        wanted = [names] if isinstance(names, str) else list(names or [])
        explicit = bool(wanted)
        specs = [self.spec(n) for n in dict.fromkeys(wanted)] if explicit else self.specs
        results: list[VerifyResult] = []
        for spec in specs:
            if spec.source == "package":
                results.append(self._verify_package(spec, explicit))
            else:
                results.extend(self._verify_omz(spec, explicit))
        return results

    # --- fetching ----------------------------------------------------------------------------

    def pull(
        self,
        names: Iterable[str],
        mirror: str | None = None,
        precision: str | None = None,
        *,
        progress: DownloadProgress | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> list[PullResult]:
        """Download OMZ models into the model directory, checking every file's sha256.

        From the upstream URLs, or from `mirror` (URL or folder laid out as
        `<mirror>/omz/<name>/<precision>/<file>`). Files already present with the right hash
        are kept. Stops at the first failure; files finished before it stay (they are checked).
        `precision`: one precision for every name, "all", or None for each model's default.
        """
        wanted = list(dict.fromkeys([names] if isinstance(names, str) else names))
        if not wanted:
            raise UsageError("name at least one model to pull (see `citywatch models list`)")
        if self.model_dir is None:
            raise UsageError(
                f"no model directory to pull into: pass --model-dir DIR or set {MODEL_DIR_ENV}"
            )
        if self.model_dir.exists() and not self.model_dir.is_dir():
            raise UsageError(f"model directory {self.model_dir} is not a directory")
        if mirror is not None:
            check_mirror(mirror)
        # Check every name before fetching anything, so a typo costs no download.
        specs = [self._pullable(name) for name in wanted]
        plan = [(spec, v) for spec in specs for v in _pull_variants(spec, precision)]
        results: list[PullResult] = []
        for spec, variant in plan:
            for file in variant.files:
                results.append(self._pull_file(spec, variant, file, mirror, progress, timeout))
        return results

    # --- internals ---------------------------------------------------------------------------

    def _variant_paths(self, spec: ModelSpec, variant: Variant) -> tuple[Path, ...]:
        """All the variant's paths if every one is a file, else ()."""
        paths = [self.file_path(spec, variant, f) for f in variant.files]
        if all(p is not None and p.is_file() for p in paths):
            return tuple(p for p in paths if p is not None)
        return ()

    def _package_path(self, spec: ModelSpec) -> Path | None:
        assert spec.package is not None
        path = package_file_path(spec.package)
        return path if path is not None and path.is_file() else None

    def _package_missing_message(self, spec: ModelSpec) -> str:
        assert spec.package is not None
        location = spec.package
        version = distribution_version(location.distribution)
        if version is None:
            return (
                f"model {spec.name}: the Python package {location.distribution} is not "
                f"installed; it ships {location.module}/{location.path} "
                f"(pip install {location.distribution})"
            )
        return (
            f"model {spec.name}: {location.module}/{location.path} is missing from the installed "
            f"package {location.distribution} {version}; reinstall it"
        )

    def _verify_omz(self, spec: ModelSpec, explicit: bool) -> list[VerifyResult]:
        located = {
            (variant.precision, file.name): self.file_path(spec, variant, file)
            for variant in spec.variants
            for file in variant.files
        }
        present = {key: p is not None and p.is_file() for key, p in located.items()}
        model_has_any = any(present.values())
        results = []
        for variant in spec.variants:
            partial = any(present[(variant.precision, f.name)] for f in variant.files)
            for file in variant.files:
                path = located[(variant.precision, file.name)]
                if path is None or not present[(variant.precision, file.name)]:
                    required = explicit and (partial or not model_has_any)
                    results.append(
                        VerifyResult(
                            spec.name,
                            variant.precision,
                            path,
                            "absent",
                            file.sha256,
                            required=required,
                            reason="" if path else f"no model directory is set ({MODEL_DIR_ENV})",
                        )
                    )
                    continue
                actual = sha256_file(path)
                status: VerifyStatus = "ok" if actual == file.sha256 else "mismatch"
                results.append(
                    VerifyResult(spec.name, variant.precision, path, status, file.sha256, actual)
                )
        return results

    def _verify_package(self, spec: ModelSpec, explicit: bool) -> VerifyResult:
        assert spec.package is not None
        path = self._package_path(spec)
        if path is None:
            where = package_file_path(spec.package)
            reason = self._package_missing_message(spec).removeprefix(f"model {spec.name}: ")
            return VerifyResult(spec.name, None, where, "absent", required=explicit, reason=reason)
        expected = recorded_sha256(spec.package)
        if expected is None:
            # Installed without a hash in RECORD (e.g. some editable installs): nothing to compare.
            return VerifyResult(spec.name, None, path, "unchecked")
        actual = sha256_file(path)
        status: VerifyStatus = "ok" if actual == expected else "mismatch"
        return VerifyResult(spec.name, None, path, status, expected, actual)

    def _pullable(self, name: str) -> ModelSpec:
        spec = self.spec(name)
        if spec.source == "package":
            assert spec.package is not None
            raise UsageError(
                f"model {name} ships inside the Python package {spec.package.distribution}; "
                f"there is nothing to pull (pip install {spec.package.distribution})"
            )
        return spec

    def _pull_file(
        self,
        spec: ModelSpec,
        variant: Variant,
        file: ModelFile,
        mirror: str | None,
        progress: DownloadProgress | None,
        timeout: float,
    ) -> PullResult:
        dest = self.file_path(spec, variant, file)
        assert dest is not None  # pull checked the model directory
        if mirror is not None:
            source = mirror_source(mirror, OMZ_FOLDER, spec.name, variant.precision, file.name)
        elif file.url:
            source = file.url
        else:
            raise ModelError(f"model {spec.name}: no upstream URL for {file.name}; use --mirror")
        if dest.is_file():
            actual = sha256_file(dest)
            if actual == file.sha256:
                log.info("%s: already present and intact", dest)
                return PullResult(spec.name, variant.precision, dest, "present", source)
            log.warning("%s: sha256 %s is not the expected one; fetching it again", dest, actual)
        log.info("fetching %s", source)
        fetch_file(source, dest, file.sha256, size=file.size, timeout=timeout, progress=progress)
        return PullResult(spec.name, variant.precision, dest, "downloaded", source)


def _precision_order(spec: ModelSpec) -> tuple[Variant, ...]:
    """The registry's default precision first, then the others in catalog order."""
    return tuple(sorted(spec.variants, key=lambda v: v.precision != spec.default_precision))


def _pull_variants(spec: ModelSpec, precision: str | None) -> tuple[Variant, ...]:
    if precision is None:
        return _precision_order(spec)[:1]
    if precision.lower() == ALL_PRECISIONS:
        return spec.variants
    return (spec.variant(precision),)


def _unknown_model_message(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    # Prefixes like "person-detection" are common; difflib scores them low, so add those too.
    close += [k for k in known if name and name.lower() in k.lower() and k not in close]
    if not close:
        return f"unknown model {name!r} (see `citywatch models list`)"
    shown = ", ".join(close[:5]) + (", ..." if len(close) > 5 else "")
    return f"unknown model {name!r}; close names: {shown}"
