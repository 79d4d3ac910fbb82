"""`citywatch track SOURCE --out results.txt`."""


def track() -> None:
    """Track people in a video file or a folder of frames and write MOT results."""
    raise NotImplementedError
