"""`citywatch demo` and `citywatch run`."""


def demo() -> None:
    """Build a small multi-camera scene and run the pipeline on it."""
    raise NotImplementedError


def run() -> None:
    """Run the pipeline for the cameras in a configuration file."""
    raise NotImplementedError
