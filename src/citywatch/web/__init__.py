"""The web UI: static pages and small scripts served by the API app, nothing from a CDN."""

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().with_name("static")
