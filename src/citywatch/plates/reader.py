"""`PlateReader`: plates in an image (or in given vehicle boxes), end to end.

Search order, cheapest first:

1. the whole image at `search_side` (320 px): candidate regions from the text detector (and
   the OMZ plate detector when present), best first, each read by `PlateOcr`; once a plate
   is read, only candidates that look like plates are read too;
2. no plate yet, and the image is larger than that: again at `fallback_side` (640 px);
3. an image larger than `fallback_side` (a wide scene, where plates are small): vehicles from
   the vehicle detector (12 at most, largest first); each vehicle that holds no plate yet is
   searched on its own at `search_side` (a 300 px wide car keeps its resolution there; in
   the whole 1920 px frame scaled to 640 its characters would be 3 px tall), stopping at its
   first plate.

With `vehicles` given (the pipeline's tracked vehicle boxes) only the vehicle search runs, on
those boxes (and at `fallback_side` too for a vehicle larger than `search_side`), and each
vehicle gives at most one plate.

A read is kept when it is plate-like: it fits a known format with `min_confidence`, or (a
vanity plate, or a format not listed) it has four characters or more, was read with
`min_confidence_free`, and is dark on light or mixes letters and digits in five or more
characters (badges are light on dark and words have no digits). When nothing in an image (or
a vehicle) passes, the most plate-like read above `min_confidence` is still given. Measured
figures are in bench/results/plates_eval.json.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from citywatch.config.plates import PlatesConfig
from citywatch.detect.base import Detector
from citywatch.models import ModelRegistry, ResolvedModel
from citywatch.plates.geometry import Box, crop_box, overlap
from citywatch.plates.localise import (
    MorphologyLocaliser,
    OmzPlateDetector,
    PlateCandidate,
    TextLocaliser,
    vehicle_search_area,
)
from citywatch.plates.ocr import OcrSettings, PlateOcr, PlateText
from citywatch.plates.types import PlateRead, VehicleAttributes
from citywatch.plates.vehicle import OmzVehicleAttributes

log = logging.getLogger("citywatch.plates")

MAX_VEHICLES = 12  # vehicles searched per image in step 3, largest first


@dataclass(frozen=True)
class ReaderSettings:
    search_side: int = 320
    fallback_side: int = 640
    max_candidates: int = 4
    min_confidence: float = 0.5
    min_confidence_free: float = 0.75
    keep_crops: bool = False
    extra_candidate_score: float = 0.6  # read more candidates after a plate only above this
    fallback: bool = True  # step 2


class PlateReader:
    """Reads plates; thread-safe as far as its models are (one infer request per thread)."""

    def __init__(
        self,
        ocr: PlateOcr,
        localiser: TextLocaliser | None,
        *,
        settings: ReaderSettings | None = None,
        plate_detector: OmzPlateDetector | None = None,
        morphology: MorphologyLocaliser | None = None,
        vehicle_detector: Detector | None = None,
        attributes: OmzVehicleAttributes | None = None,
    ) -> None:
        if localiser is None and plate_detector is None and morphology is None:
            raise ValueError("PlateReader needs at least one localiser")
        self.ocr = ocr
        self.localiser = localiser
        self.settings = settings or ReaderSettings()
        self.plate_detector = plate_detector
        self.morphology = morphology
        self.vehicle_detector = vehicle_detector
        self.attributes = attributes

    @property
    def name(self) -> str:
        parts = [
            s
            for s, m in (
                ("text", self.localiser),
                ("omz", self.plate_detector),
                ("morphology", self.morphology),
            )
            if m is not None
        ]
        return "rapidocr+" + "+".join(parts)

    def read(self, image: np.ndarray, vehicles: Sequence[Box] | None = None) -> list[PlateRead]:
        """Plates in a BGR image, most confident first; with `vehicles` ((x, y, w, h) boxes)
        only inside those, one plate at most per vehicle."""
        if vehicles is not None:
            return self._sorted(
                [
                    read
                    for index, vehicle in enumerate(vehicles)
                    for read in self._read_vehicle(image, vehicle, index)
                ]
            )
        settings = self.settings
        longest = max(image.shape[:2])
        tried: list[Box] = []
        found = self._search(image, settings.search_side, None, tried)
        if (
            settings.fallback
            and not self._any_strong(found)
            and longest > 1.25 * settings.search_side
        ):
            found += self._search(image, settings.fallback_side, None, tried)
        if self.vehicle_detector is not None and longest > settings.fallback_side:
            found += self._search_vehicles(image, found, tried)
        return self._sorted(self._accept(found))

    def vehicle_attributes(self, image: np.ndarray, box: Box) -> VehicleAttributes | None:
        """Type and colour of the vehicle in `box`, when the attribute model is loaded."""
        return self.attributes.read_box(image, box) if self.attributes is not None else None

    # --- searching -----------------------------------------------------------------------

    def _candidates(self, image: np.ndarray, side: int, area: Box | None) -> list[PlateCandidate]:
        found: list[PlateCandidate] = []
        if self.localiser is not None:
            found += self.localiser.candidates(image, side, area)
        others = [m for m in (self.plate_detector, self.morphology) if m is not None]
        if not others:
            return found
        window, (ox, oy) = (image, (0, 0)) if area is None else crop_box(image, area)
        for localiser in others:
            for candidate in localiser.candidates(window):
                box = (candidate.box[0] + ox, candidate.box[1] + oy, *candidate.box[2:])
                if all(overlap(box, c.box) < 0.5 for c in found):
                    found.append(dataclasses.replace(candidate, box=box))
        return found

    def _search(
        self,
        image: np.ndarray,
        side: int,
        area: Box | None,
        tried: list[Box],
        first_only: bool = False,
    ) -> list[PlateText]:
        """Read the candidates at `side`, best first; `first_only`: stop at the first plate
        (a vehicle shows one)."""
        candidates = [
            c
            for c in self._candidates(image, side, area)
            if all(overlap(c.box, t) < 0.7 for t in tried)
        ]
        candidates.sort(key=lambda c: -c.score)
        reads: list[PlateText] = []
        for candidate in candidates[: self.settings.max_candidates]:
            # Once a plate is read, only candidates that look like one are worth the time.
            if candidate.score < self.settings.extra_candidate_score and self._any_strong(reads):
                continue
            tried.append(candidate.box)
            read = self.ocr.read_region(image, candidate.box, list(candidate.lines) or None)
            if read is not None:
                reads.append(read)
                if first_only and self._strong(read):
                    break
        return reads

    def _search_vehicles(
        self, image: np.ndarray, found: list[PlateText], tried: list[Box]
    ) -> list[PlateText]:
        assert self.vehicle_detector is not None
        detections = self.vehicle_detector.detect(image)
        boxes = [tuple(float(v) for v in row) for row in detections.xywh]
        boxes.sort(key=lambda b: -b[2] * b[3])
        reads: list[PlateText] = []
        for box in boxes[:MAX_VEHICLES]:
            vehicle: Box = (box[0], box[1], box[2], box[3])
            if any(self._strong(r) and overlap(r.box, vehicle) > 0.8 for r in found + reads):
                continue
            area = vehicle_search_area(vehicle)
            reads += self._search(image, self.settings.search_side, area, tried, first_only=True)
        return reads

    def _read_vehicle(self, image: np.ndarray, vehicle: Box, index: int) -> list[PlateRead]:
        tried: list[Box] = []
        area = vehicle_search_area(vehicle)
        settings = self.settings
        found = self._search(image, settings.search_side, area, tried, first_only=True)
        if (
            not self._any_strong(found)
            and max(vehicle[2], vehicle[3]) > 1.25 * settings.search_side
        ):
            found += self._search(image, settings.fallback_side, area, tried, first_only=True)
        kept = self._accept(found)
        if not kept:
            return []
        best = max(kept, key=self._rank)
        return [self._to_read(best, vehicle=index)]

    # --- deciding ------------------------------------------------------------------------

    def _strong(self, read: PlateText) -> bool:
        settings = self.settings
        if read.plate_format is not None:
            return read.confidence >= settings.min_confidence
        if len(read.text) < 4 or read.confidence < settings.min_confidence_free:
            return False
        # Dark on light, or (light on dark: badges, but also some plates) letters and digits
        # mixed in five or more characters, which badges and words rarely are.
        mixed = any(c.isdigit() for c in read.text) and any(c.isalpha() for c in read.text)
        return read.ink < 0.5 or (mixed and len(read.text) >= 5)

    def _any_strong(self, reads: list[PlateText]) -> bool:
        return any(self._strong(r) for r in reads)

    def _rank(self, read: PlateText) -> tuple[bool, float]:
        """Strong reads first, then by how plate-like: confident, fitting a format, dark on
        light, and long (of two overlapping reads the shorter is usually a fragment: the band
        letter and an emblem, or one word of the plate)."""
        score = (
            math.log(max(read.confidence, 1e-3))
            + (1.0 if read.plate_format is not None else 0.0)
            + (0.7 if read.ink < 0.5 else -0.7)
            + 0.15 * min(len(read.text), 7)
        )
        return (self._strong(read), score)

    def _accept(self, reads: list[PlateText]) -> list[PlateText]:
        """Strong reads without duplicates; else the best read above min_confidence."""
        ordered = sorted(reads, key=self._rank, reverse=True)
        kept: list[PlateText] = []
        for read in ordered:
            if any(overlap(read.box, k.box) > 0.5 for k in kept):
                continue
            if self._strong(read):
                kept.append(read)
        if kept:
            return kept
        fallback = [r for r in ordered if r.confidence >= self.settings.min_confidence]
        return fallback[:1]

    def _sorted(self, reads: list[PlateText] | list[PlateRead]) -> list[PlateRead]:
        out = [r if isinstance(r, PlateRead) else self._to_read(r) for r in reads]
        return sorted(out, key=lambda r: -r.confidence)

    def _to_read(self, read: PlateText, vehicle: int | None = None) -> PlateRead:
        x, y, w, h = read.box
        return PlateRead(
            text=read.text,
            box=(int(round(x)), int(round(y)), int(round(w)), int(round(h))),
            confidence=float(read.confidence),
            plate_format=read.plate_format,
            vehicle=vehicle,
            lines=read.lines,
            char_probs=read.char_probs,
            char_dists=read.char_dists,
            crop=read.crop,
        )


def create_plate_reader(config: PlatesConfig | None, registry: ModelRegistry) -> PlateReader:
    """The reader a configuration asks for, with the models that are there (logged)."""
    from citywatch.plates.patterns import formats_for
    from citywatch.plates.rapid import RapidTextDetector, RapidTextRecognizer

    config = config or PlatesConfig()
    detector = RapidTextDetector(registry.package_file("rapidocr-det"), device=config.device)
    recognizer = RapidTextRecognizer(registry.package_file("rapidocr-rec"), device=config.device)
    formats = formats_for(tuple(config.regions) or None)
    ocr = PlateOcr(
        detector,
        recognizer,
        OcrSettings(
            formats=formats,
            no_format_penalty=config.no_format_penalty,
            min_chars=config.min_chars,
            max_chars=config.max_chars,
            keep_crop=config.keep_crops,
        ),
    )
    localiser = TextLocaliser(detector) if config.localiser in ("auto", "text") else None
    plate_detector = None
    if config.localiser in ("auto", "omz"):
        plate_detector = _omz_plate_detector(config, registry, required=config.localiser == "omz")
    morphology = MorphologyLocaliser() if config.localiser == "morphology" else None
    reader = PlateReader(
        ocr,
        localiser,
        settings=ReaderSettings(
            search_side=config.search_side,
            fallback_side=max(config.fallback_side, config.search_side),
            max_candidates=config.max_candidates,
            min_confidence=config.min_confidence,
            min_confidence_free=config.min_confidence_free,
            keep_crops=config.keep_crops,
        ),
        plate_detector=plate_detector,
        morphology=morphology,
        vehicle_detector=_vehicle_detector(config, registry),
        attributes=_attributes(config, registry),
    )
    log.info("plates: %s", reader.name)
    return reader


def _omz_plate_detector(
    config: PlatesConfig, registry: ModelRegistry, required: bool
) -> OmzPlateDetector | None:
    if required:
        found: ResolvedModel | None = registry.require(config.plate_detector_model)
    else:
        found = _find(registry, config.plate_detector_model, config.precision)
    if found is None:
        log.info(
            "%s not in the model directory; plates are found by text only",
            config.plate_detector_model,
        )
        return None
    return OmzPlateDetector(found.xml, device=config.device)


def _vehicle_detector(config: PlatesConfig, registry: ModelRegistry) -> Detector | None:
    if config.vehicle_detector_model is None:
        return None
    found = _find(registry, config.vehicle_detector_model, config.precision)
    if found is None:
        log.info(
            "%s not in the model directory; small plates in wide images may be missed",
            config.vehicle_detector_model,
        )
        return None
    from citywatch.core.classes import ObjectClass
    from citywatch.detect.openvino_ssd import OpenVinoSsdDetector

    spec = registry.spec(config.vehicle_detector_model)
    class_map = {i: ObjectClass.VEHICLE for i, name in spec.labels.items() if name == "vehicle"}
    return OpenVinoSsdDetector(
        found.xml,
        class_map,
        score_threshold=0.4,
        device=config.device,
        name=f"openvino:{spec.name}",
    )


def _attributes(config: PlatesConfig, registry: ModelRegistry) -> OmzVehicleAttributes | None:
    if config.attributes_model is None:
        return None
    found = _find(registry, config.attributes_model, config.precision)
    if found is None:
        log.info(
            "%s not in the model directory; no vehicle type or colour", config.attributes_model
        )
        return None
    return OmzVehicleAttributes(found.xml, device=config.device)


def _find(registry: ModelRegistry, name: str, precision: str | None) -> ResolvedModel | None:
    """The model at `precision` when it has one, else at its default (the OMZ models here come
    in different precisions: 0106 only FP16-INT8, 0039 only FP16)."""
    if precision is not None and precision in registry.present_precisions(name):
        return registry.find(name, precision)
    return registry.find(name)
