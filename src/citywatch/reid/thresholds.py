"""Same-person thresholds per person embedder, in cosine distance (1 - similarity).

Measured by bench/reid_eval.py on the re-ID evaluation built from MOT ground truth
(citywatch.eval.reid), with pairs of track segments (the mean of 4 crops, which is how a
track is embedded) on PETS09-S2L1. Genuine pairs are the same person at least 2 s apart.
Impostor pairs are two different people. The threshold is the largest distance that lets
at most 1 % of the 15,460 impostor pairs through, rounded down. As with faces, only the
impostor pairs choose it: a false match joins two people's trajectories, and each track is
compared with many candidates.

Measured: 0.516 for retail-0287, 0.403 for retail-0288 and 0.105 for the colour stripes.
At the rounded values 12 %, 18 % and 58 % of the genuine track pairs are missed on PETS.
The TUD-Campus check, on crop pairs, gives these false-match / miss rates: 0 % / 0.8 %,
0 % / 1.6 % and 2.9 % / 1.6 %. The equal-error points on PETS (0.598, 0.523 and 0.221, for
EERs of 5.9 %, 9.6 % and 18 %) let 3.6 %, 0.3 % and 38 % of TUD's impostor crop pairs
through, so they were not used.

Kept free of imports so configuration can offer these as its per-model defaults.
"""

OMZ_0287_THRESHOLD = 0.51
OMZ_0288_THRESHOLD = 0.40
COLOUR_STRIPE_THRESHOLD = 0.10

DEFAULT_THRESHOLDS = {
    "person-reidentification-retail-0287": OMZ_0287_THRESHOLD,
    "person-reidentification-retail-0288": OMZ_0288_THRESHOLD,
    "colour-stripes": COLOUR_STRIPE_THRESHOLD,
}
