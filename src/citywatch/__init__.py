"""citywatch: open, self-hosted, accountable video analytics for camera networks."""

__version__ = "0.1.0"
