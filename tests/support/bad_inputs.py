"""Bad input, built on demand: broken pictures, videos and configuration files for the tests
that check every entry point refuses them in one line (tests/integration/hardening) and for
the decoder fuzzing (tests/unit/hardening).

Every builder returns bytes (or text) and writes nothing; the tests decide where the file goes
and under which name, so a PNG can be saved as `clip.mp4` and text as `photo.jpg`.
"""

from __future__ import annotations

import functools
import sqlite3
import struct
import zlib
from pathlib import Path

# Real samples in the shared data (`data_dir`), chosen small so a mutation is cheap to decode.
REAL_JPEG = "faces/openface_examples/clapton-2.jpg"  # 21 KB, one face
REAL_PNG = "faces/compreface_samples/imgtools/einstein.png"  # 43 KB, 256x256 palette
REAL_FACE = "faces/openface_examples/lennon-1.jpg"  # the good half of a `faces compare` pair
# Corrupt on purpose upstream (see imgtools/EXPECTED.tsv): IHDR not the first chunk; 5 bytes of
# ASCII "test\n"; a JPEG whose stream ends early (the visible picture complete).
CORRUPTED_PNG = "faces/compreface_samples/imgtools/corrupted.png"
EMPTY_PNG = "faces/compreface_samples/imgtools/empty.png"
TRUNCATED_JPG = "faces/compreface_samples/imgtools/truncated.jpg"
# MP4s: TUD-Campus keeps its index (moov) at the end, vtest.mp4 at the start.
INDEX_LAST_MP4 = "tracking/tud_campus/TUD-Campus.mp4"
INDEX_FIRST_MP4 = "tracking/pets09_s2l1/vtest.mp4"
REAL_AVI = "tracking/pets09_s2l1/vtest.avi"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG whose header claims width x height RGB pixels (a decompression bomb's
    header; the pixel data is 64 zero bytes, so nothing past the header is a valid image)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + idat + png_chunk(b"IEND", b"")


@functools.lru_cache(maxsize=4)
def huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A real, complete width x height PNG, all black, that is small on disk: 1-bit greyscale
    (20000 x 20000 is 50 MB of rows, which deflate to about 50 KB). Decoded to BGR it would
    take 1.2 GB; built row by row, so building it never holds more than one row."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte "none", then the packed bits
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = png_chunk(b"IDAT", b"".join(parts))
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + idat + png_chunk(b"IEND", b"")


def one_pixel_png() -> bytes:
    """A valid 1x1 RGB PNG (one grey pixel)."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = png_chunk(b"IDAT", zlib.compress(b"\x00\x80\x80\x80"))
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + idat + png_chunk(b"IEND", b"")


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    """The first `fraction` of `data` (a download or a copy cut short)."""
    return data[: int(len(data) * fraction)]


TEXT = b"this is a note, not a picture or a video, whatever its name says\n" * 20


# --- configuration files for `citywatch run --config` ------------------------------------------

GOOD_SITE = "site: {name: campus, width: 200, height: 100}\n"
BAD_CONFIGS: dict[str, str] = {
    # A tab where YAML wants spaces for indentation.
    "tabs": "cameras:\n\t- id: gate\n\t  source: gate.mp4\n",
    "unclosed-quote": 'site: {name: "campus, width: 200, height: 100}\ncameras: []\n',
    "top-level-list": "- id: gate\n  source: gate.mp4\n",
    "list-for-mapping": "site: [campus, 200, 100]\n",
    "unknown-key": GOOD_SITE + "detectr: {model: person-detection-0201}\n",
    "unicode-key": GOOD_SITE + "kaméra_φ: 1\n",
    # Relative paths are relative to the file: this one climbs out of the folder to nothing.
    "missing-source": GOOD_SITE + "cameras:\n  - id: gate\n    source: ../../nowhere/gate.mp4\n",
}


# --- what a command must not change -------------------------------------------------------------


def files_under(root: Path) -> dict[str, int]:
    """Every file under `root` (relative path -> size); SQLite's WAL and shared-memory files,
    which come and go with connections, are left out."""
    if not root.exists():
        return {}
    transient = ("-wal", "-shm", "-journal")
    return {
        p.relative_to(root).as_posix(): p.stat().st_size
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(transient)
    }


def row_counts(database: Path) -> dict[str, int]:
    """Rows in every table of a SQLite database, read-only (committed rows only)."""
    if not database.exists():
        return {}
    uri = f"file:{database}?mode=ro"
    with sqlite3.connect(uri, uri=True, timeout=10) as connection:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {
            t: connection.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables
        }
    connection.close()
    return counts
