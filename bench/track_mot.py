"""Tracking accuracy and whole-process speed of `citywatch track` against the issue's peer.

Peer: OMZ person-detection-0201 (score >= 0.2) + Roboflow `trackers` ByteTrack, defaults,
run from bench/.venv-peer (bench/peer/setup.sh makes it). Both are timed as whole processes
on the same files in the same run, alternating, `--repeats` times; medians are reported.
Accuracy: TrackEval via `citywatch.eval`, with conf-0 ground truth handled both ways
("regions": MOTChallenge ignore regions; "drop": rows deleted, as the issue's peer figures).
Also compares the three OMZ person detectors under our tracker.

usage: python bench/track_mot.py [--repeats 3] [--skip-peer] [--skip-detectors]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import DATA, MODELS, PROJECT, VENV_BIN, emit, median, require_shared, timed_run
from citywatch.eval.mot import evaluate_mot
from citywatch.eval.motfile import read_mot

SEQUENCES = {
    "PETS09-S2L1": (
        DATA / "tracking/pets09_s2l1/vtest.mp4",
        DATA / "tracking/pets09_s2l1/gt/gt.txt",
        0.625,
    ),
    "TUD-Campus": (
        DATA / "tracking/tud_campus/TUD-Campus.mp4",
        DATA / "tracking/tud_campus/gt/gt.txt",
        1.0,
    ),
    "TUD-Campus/img1": (
        DATA / "tracking/tud_campus/img1",
        DATA / "tracking/tud_campus/gt/gt.txt",
        1.0,
    ),
}
DETECTORS = [
    "person-detection-0201",
    "person-detection-retail-0013",
    "pedestrian-detection-adas-0002",
]
PEER_VENV = PROJECT / "bench" / ".venv-peer"
PEER_XML = MODELS / "omz/person-detection-0201/FP16-INT8/person-detection-0201.xml"
ENV = {"CITYWATCH_MODEL_DIR": str(MODELS)}


def ours(source: Path, out: Path, extra: list[str] | None = None) -> list[str]:
    return [str(VENV_BIN / "citywatch"), "track", str(source), "--out", str(out), *(extra or [])]


def peer(source: Path, out: Path) -> list[str]:
    return [
        str(PEER_VENV / "bin/python"),
        str(PROJECT / "bench/peer/peer_track.py"),
        str(source),
        str(PEER_XML),
        str(out),
    ]


def scores(gt: Path, scale: float, res: Path) -> dict:
    truth, found = read_mot(gt, scale=scale), read_mot(res)
    out = {}
    for mode in ("regions", "drop"):
        s = evaluate_mot(truth, found, ignore=mode)  # type: ignore[arg-type]
        out[mode] = {k: round(v, 4) if isinstance(v, float) else v for k, v in s.as_dict().items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-detectors", action="store_true")
    args = parser.parse_args()
    require_shared()
    if not args.skip_peer:
        subprocess.run(["bash", str(PROJECT / "bench/peer/setup.sh")], check=True)
    work = Path(tempfile.mkdtemp(prefix="cw-bench-track-"))
    report: dict = {"sequences": {}, "detectors": {}}
    for name, (source, gt, scale) in SEQUENCES.items():
        slug = name.replace("/", "_")
        entry: dict = {"source": str(source.relative_to(DATA))}
        ours_out, peer_out, raw_out = (
            work / f"{slug}.ours.txt",
            work / f"{slug}.peer.txt",
            work / f"{slug}.raw.txt",
        )
        ours_s, peer_s = [], []
        for _ in range(args.repeats):
            ours_s.append(timed_run(ours(source, ours_out), ENV))
            if not args.skip_peer and source.is_file():
                peer_s.append(timed_run(peer(source, peer_out)))
        timed_run(ours(source, raw_out, ["--max-gap-s", "0"]), ENV)
        entry["ours"] = {
            "seconds_median": round(median(ours_s), 3),
            "seconds": [round(s, 3) for s in ours_s],
            **scores(gt, scale, ours_out),
        }
        entry["ours_causal_no_gap_fill"] = scores(gt, scale, raw_out)
        if peer_s:
            entry["peer"] = {
                "seconds_median": round(median(peer_s), 3),
                "seconds": [round(s, 3) for s in peer_s],
                **scores(gt, scale, peer_out),
            }
            entry["time_ratio_ours_over_peer"] = round(median(ours_s) / median(peer_s), 3)
        report["sequences"][name] = entry
        print(f"{name}: done", file=sys.stderr)
    if not args.skip_detectors:
        for detector in DETECTORS:
            config = work / f"{detector}.yaml"
            config.write_text(
                f"detector:\n  backend: openvino\n  model: {detector}\n", encoding="utf-8"
            )
            row = {}
            for name in ("PETS09-S2L1", "TUD-Campus"):
                source, gt, scale = SEQUENCES[name]
                out = work / f"{detector}.{name}.txt"
                seconds = timed_run(ours(source, out, ["--config", str(config)]), ENV)
                s = scores(gt, scale, out)["regions"]
                row[name] = {
                    "mota": s["mota"],
                    "idf1": s["idf1"],
                    "hota": s["hota"],
                    "seconds": round(seconds, 3),
                }
            report["detectors"][detector] = row
            print(f"detector {detector}: done", file=sys.stderr)
    emit("track_mot", report)


if __name__ == "__main__":
    main()
