import cv2
import numpy as np
import pytest
from gait_walkers import draw_walker, walker_mask

from citywatch.config.gait import GaitConfig
from citywatch.gait.silhouettes import (
    BackgroundSubtraction,
    Reject,
    Silhouette,
    covered_share,
    create_source,
    crop_regions,
    extract,
    judge,
    leg_spread,
    normalise,
)


def blob_of(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def test_normalise_ignores_scale_and_translation():
    big = walker_mask(200, 100, 0.4, scale=0.9)
    small = np.zeros((300, 300), dtype=np.uint8)
    shrunk = cv2.resize(big, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_NEAREST)
    small[137 : 137 + 100, 201 : 201 + 50] = shrunk  # elsewhere, half the size
    a, b = normalise(blob_of(big), 64, 44), normalise(blob_of(small), 64, 44)
    assert a.shape == b.shape == (64, 44)
    overlap = np.logical_and(a >= 128, b >= 128).sum() / np.logical_or(a >= 128, b >= 128).sum()
    assert overlap > 0.9
    assert abs(leg_spread(a) - leg_spread(b)) < 0.01


def test_normalise_centres_on_the_centroid_not_the_box():
    blob = np.zeros((40, 30), dtype=np.uint8)
    blob[:, :10] = 255  # a body at the left of a wide box, one thin stripe at the right
    blob[30:, 29] = 255
    out = normalise(blob, 64, 44).astype(np.float32)
    columns = out.sum(axis=0)
    centroid = float(np.dot(columns, np.arange(44)) / columns.sum())
    assert abs(centroid - 21.5) < 1.0


def test_leg_spread_grows_as_legs_part():
    together = normalise(blob_of(walker_mask(120, 60, 0.0)), 64, 44)
    apart = normalise(blob_of(walker_mask(120, 60, 0.5)), 64, 44)
    assert leg_spread(apart) > 1.5 * leg_spread(together)
    assert leg_spread(np.zeros((64, 44), np.uint8)) == 0.0


def test_judge_rules():
    config = GaitConfig()
    box = np.array([10, 10, 50, 90], dtype=np.float32)
    region = np.array([0, 0, 60, 100])

    def judged(mask: np.ndarray) -> Silhouette | Reject:
        return judge(mask, region, box, config)

    person = np.zeros((100, 60), dtype=np.uint8)
    draw_walker(person, 30, 12, 76, 0.3)
    assert isinstance(judged(person), Silhouette)
    assert judged(np.zeros((100, 60), np.uint8)) is Reject.EMPTY
    assert judged(np.full((100, 60), 255, np.uint8)) is Reject.FLOODED
    torso_only = person.copy()
    torso_only[55:] = 0  # legs hidden behind something that is not a track
    assert judged(torso_only) is Reject.PARTIAL
    broken = np.zeros((100, 60), dtype=np.uint8)
    for top in (12, 40, 68):  # three equal pieces
        broken[top : top + 20, 18:42] = 255
    assert judged(broken) is Reject.FRAGMENTED


class _Full:
    """A source whose every region is one walker."""

    name = "fake"

    def masks(self, image, regions):
        out = []
        for x1, y1, x2, y2 in regions:
            out.append(walker_mask(int(y2 - y1), int(x2 - x1), 0.3, scale=0.85))
        return out


def test_extract_size_edge_and_occlusion_rules():
    config = GaitConfig(min_height_px=40)
    image = np.zeros((200, 300, 3), dtype=np.uint8)
    boxes = np.array(
        [
            [20, 20, 60, 110],  # fine
            [100, 20, 115, 50],  # too small
            [0, 110, 40, 190],  # at the left border
            [150, 40, 190, 130],  # these two overlap by far more than 10%
            [170, 50, 210, 140],
        ],
        dtype=np.float32,
    )
    verdicts = extract(_Full(), image, boxes, config)
    assert isinstance(verdicts[0], Silhouette)
    assert verdicts[1:] == [Reject.SMALL, Reject.EDGE, Reject.OCCLUDED, Reject.OCCLUDED]
    only_first = extract(_Full(), image, boxes, config, rows=np.array([0, 3]))
    assert isinstance(only_first[0], Silhouette) and only_first[1] is Reject.OCCLUDED


def test_covered_share_and_regions():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [100, 100, 110, 110]], np.float32)
    assert covered_share(boxes).tolist() == pytest.approx([0.5, 0.5, 0.0])
    assert covered_share(boxes[:1]).tolist() == [0.0]
    regions = crop_regions(np.array([[2, 2, 22, 42]]), 20, 40)
    assert regions.tolist() == [[0, 0, 20, 40]]  # widened, then kept inside the frame


def _scene(step: int, rng: np.random.Generator) -> np.ndarray:
    frame = np.full((120, 160, 3), 90, dtype=np.uint8)
    frame += rng.integers(0, 6, frame.shape, dtype=np.uint8)
    x = 10 + 8 * step
    cv2.rectangle(frame, (x, 30), (x + 16, 90), (230, 240, 250), -1)
    return frame


def test_background_subtraction_finds_a_moving_person_after_warmup():
    rng = np.random.default_rng(0)
    source = BackgroundSubtraction(history=50, warmup=5)
    empty = np.zeros((0, 4), dtype=np.int32)
    for step in range(4):
        assert source.masks(_scene(step, rng), empty) == []
    assert source.masks(_scene(4, rng), np.array([[0, 0, 10, 10]])) == [None]  # still learning
    for step in range(5, 14):
        source.masks(_scene(step, rng), empty)
    x = 10 + 8 * 14
    (mask,) = source.masks(_scene(14, rng), np.array([[x - 5, 20, x + 21, 100]]))
    assert mask is not None and mask.shape == (80, 26)
    assert mask[15:65, 6:20].mean() > 200  # the person
    assert mask[:5].mean() < 30  # the background above them


def test_background_subtraction_shrinks_wide_frames():
    source = BackgroundSubtraction(max_width=80, warmup=0)
    (mask,) = source.masks(np.zeros((120, 160, 3), np.uint8), np.array([[10, 10, 41, 71]]))
    assert mask is not None and mask.shape == (61, 31)  # back in frame pixels


def test_create_source_picks_the_method():
    assert create_source(GaitConfig()).name == "background"


def test_selfie_segmentation_gives_region_masks():
    pytest.importorskip("mediapipe")
    source = create_source(GaitConfig(method="segmentation"))
    image = np.full((120, 160, 3), 80, dtype=np.uint8)
    masks = source.masks(image, np.array([[10, 10, 50, 110], [60, 5, 90, 65]]))
    assert [m.shape for m in masks if m is not None] == [(100, 40), (60, 30)]
