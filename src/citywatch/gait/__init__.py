"""Gait: a silhouette Gait Energy Image per person track, a second cue when faces are hidden.

`silhouettes` cuts a normalised silhouette from each tracked person's box (background
subtraction by default, mediapipe segmentation as the option), `signature` turns a track's
silhouettes into a period-aligned GEI (`GaitSignature`), and `GaitStage` does both per
camera. `evaluate` measures it against MOT ground truth (bench/gait_eval.py). Importing
this package loads no model: mediapipe is imported only when segmentation is chosen.
"""

from citywatch.gait.signature import GaitSignature, gait_distance
from citywatch.gait.stage import GaitStage

__all__ = ["GaitSignature", "GaitStage", "gait_distance"]
