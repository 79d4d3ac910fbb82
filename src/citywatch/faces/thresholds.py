"""Same-person thresholds per face embedder, in cosine distance (1 - similarity).

Chosen by one rule for every model (bench/faces_verify.py): the largest distance with a
false-match rate of at most 0.1 % on the 590 LFW impostor pairs, rounded down, then validated
on the other sets. Only impostor pairs choose it (there are hundreds), not the few dozen
genuine ones, and a false match is the costly error for a watchlist. Measured: 0.5128 for
face-reidentification-retail-0095 and 0.0471-0.0481 for dlib's ResNet (detector-dependent).
Published values for comparison: OMZ's demo uses 0.6 (0.3 of half the cosine distance);
dlib's Euclidean 0.6 is about 0.096 here.

Kept free of imports so configuration can offer these as its per-model defaults.
"""

OMZ_REID_THRESHOLD = 0.51
DLIB_RESNET_THRESHOLD = 0.047

DEFAULT_THRESHOLDS = {
    "face-reidentification-retail-0095": OMZ_REID_THRESHOLD,
    "dlib-face-recognition-resnet-v1": DLIB_RESNET_THRESHOLD,
}
