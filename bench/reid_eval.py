"""Person re-ID accuracy and speed per embedder, and the same-person threshold each one gets.

The evaluation (citywatch.eval.reid, also `citywatch eval reid`) cuts person crops from the
MOT ground truth of PETS09-S2L1 and TUD-Campus; each crop (crop level) or each run of 4 crops
of a ground-truth track, averaged (track level, as the system embeds a track), is a query
against the rest of its sequence, with the same person within 2 s (TUD: 1 s) left out as
junk. On PETS, whose 19 ground-truth ids are 10 people coming and going, the re-entry levels
also leave out the query's whole ground-truth track, so only the person's other visits count.

Threshold principle: on PETS track-segment pairs (genuine: the same person at least 2 s
apart; impostor: different people), the largest distance with at most 1 % false matches,
rounded down, checked on TUD; the equal-error point is reported beside it. The rounded
values live in citywatch/reid/thresholds.py; this prints both.

Speed: milliseconds per crop over all crops in batches of 32, the fastest of
--timing-passes passes (the machine is shared; other work only adds time), and the median
latency of a single crop. Preprocessing variants of retail-0287 (horizontal-flip averaging,
aspect-preserving padding instead of stretching) are measured beside it.

usage: python bench/reid_eval.py [--timing-passes 3] [--skip-variants]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import cv2
import numpy as np

from _common import DATA, MODELS, emit, require_shared
from citywatch.config.reid import ReidConfig
from citywatch.eval.reid import (
    SEQUENCES,
    EvalSettings,
    build_crops,
    evaluate_embedder,
    run_reid_eval,
)
from citywatch.models import ModelRegistry
from citywatch.reid.base import PersonEmbedder
from citywatch.reid.embedders import OmzPersonEmbedder, l2_normalise
from citywatch.reid.factory import create_person_embedder

OMZ_MODELS = ("person-reidentification-retail-0287", "person-reidentification-retail-0288")
COLOUR = "colour-stripes"
LEVELS = ("crop", "track", "reentry_crop", "reentry_track")


class FlipAveraged(OmzPersonEmbedder):
    """The crop and its mirror image, embeddings summed (a common test-time augmentation)."""

    def embed(self, crops: list[np.ndarray]) -> np.ndarray:
        mirrored = [np.ascontiguousarray(c[:, ::-1]) for c in crops]
        return l2_normalise(super().embed(crops) + super().embed(mirrored))


class Padded(OmzPersonEmbedder):
    """Crops padded (edge pixels repeated) to the model's 1:2 before resizing, not stretched."""

    def embed(self, crops: list[np.ndarray]) -> np.ndarray:
        return super().embed([_pad_to_half_width(c) for c in crops])


def _pad_to_half_width(crop: np.ndarray) -> np.ndarray:
    height, width = crop.shape[:2]
    if width * 2 < height:
        side = int(round((height / 2 - width) / 2))
        return cv2.copyMakeBorder(crop, 0, 0, side, side, cv2.BORDER_REPLICATE)
    side = int(round((width * 2 - height) / 2))
    return cv2.copyMakeBorder(crop, side, side, 0, 0, cv2.BORDER_REPLICATE)


def builders(registry: ModelRegistry) -> list[tuple[str, Callable[[], PersonEmbedder]]]:
    chosen = []
    for name in OMZ_MODELS:
        config = ReidConfig(embedder="openvino", model=name)
        chosen.append((name, lambda c=config: create_person_embedder(c, registry)))
    colour = ReidConfig(embedder="colour")
    chosen.append((COLOUR, lambda: create_person_embedder(colour, registry)))
    return chosen


def single_crop_ms(embedder: PersonEmbedder, crops: list[np.ndarray]) -> float:
    """Median milliseconds of embedding one crop a call (a track's first sighting)."""
    times = []
    for crop in crops:
        started = time.perf_counter()
        embedder.embed([crop])
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


def summary(result: dict) -> dict:
    """The figures the README quotes: PETS rank-1 and mAP per level, and the threshold."""
    pets = {
        level: {
            "rank1": result[level]["pets09_s2l1"]["rank1"],
            "mAP": result[level]["pets09_s2l1"]["mean_ap"],
        }
        for level in LEVELS
        if level in result
    }
    return {"pets09_s2l1": pets, "ms_per_crop": result["ms_per_crop"]}


def variants(registry: ModelRegistry, settings: EvalSettings) -> dict:
    xml = registry.require(OMZ_MODELS[0]).xml
    sets = [build_crops(DATA, s, settings.rule) for s in SEQUENCES]
    out = {}
    for label, cls in (("stretch", OmzPersonEmbedder), ("flip", FlipAveraged), ("pad", Padded)):
        result = evaluate_embedder(cls(xml), sets, settings)
        out[label] = {
            "pets09_s2l1": summary(result)["pets09_s2l1"],  # one pass: no timing here
            "eer_threshold": result["threshold"]["eer_threshold"],
            "eer": result["threshold"]["eer"],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timing-passes", type=int, default=3)
    parser.add_argument("--skip-variants", action="store_true")
    args = parser.parse_args()
    require_shared()
    registry = ModelRegistry(MODELS)
    settings = EvalSettings()
    report = run_reid_eval(DATA, builders(registry), settings, timing_passes=args.timing_passes)
    sample = build_crops(DATA, SEQUENCES[0], settings.rule).crops[::8]
    for name, build in builders(registry):
        result = report["models"][name]
        result["ms_single_crop_median"] = single_crop_ms(build(), sample)
        print(f"reid: {name} done", file=sys.stderr)
    report["summary"] = {name: summary(r) for name, r in report["models"].items()}
    report["thresholds"] = {
        name: {
            "fmr_1pct_threshold": r["threshold"]["fmr_threshold"],
            "eer_threshold": r["threshold"]["eer_threshold"],
            "shipped": r["threshold"]["default_threshold"],
        }
        for name, r in report["models"].items()
    }
    if not args.skip_variants:
        report["retail_0287_preprocessing"] = variants(registry, settings)
    emit("reid_eval", report)


if __name__ == "__main__":
    main()
