"""Reading still images people hand us (enrolment photos, search queries, `faces compare`).

`load_image` refuses what should not be decoded before decoding it: a missing or empty file,
bytes that are not a known image format, and pictures whose header claims more pixels than
`max_pixels` (a decompression bomb: a few kilobytes of PNG can expand to gigabytes). What it
returns is always an HxWx3 uint8 BGR array, whatever the file held (grey, palette, 16-bit,
alpha). Every refusal is an `ImageError` whose message names the file and the reason in one line.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

from citywatch.core.errors import CitywatchError

log = logging.getLogger(__name__)

# 50 megapixels: above any camera still people enrol from (a 45 MP full-frame camera fits),
# far below the gigapixel images a bomb claims. Decoding 50 MP to BGR takes 150 MB.
DEFAULT_MAX_PIXELS = 50_000_000
# Files this large are not photos; reading them into memory is the first thing to refuse.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


class ImageError(CitywatchError):
    """An image that cannot or should not be decoded. Exit code 1: the input is bad."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ImageNotFoundError(ImageError):
    """The path names no file: a usage error (exit code 2), like a missing video source."""

    exit_code = 2


def image_size(path: str | Path) -> tuple[int, int, str]:
    """(width, height, format) from the file's header, without decoding the pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit (89 MP) and raises above twice that; our limit
            # is lower and checked by the caller, so its warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                return int(opened.width), int(opened.height), str(opened.format or "unknown")
    except Image.DecompressionBombError:
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise ImageError(
            path, f"refused: the header claims more than {limit} pixels (decompression bomb?)"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(path, "not a recognised image format (corrupt, or not an image)") from None
    except OSError as error:
        raise ImageError(path, f"cannot read the image header ({_first_line(error)})") from None


def load_image(
    path: str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> np.ndarray:
    """Decode an image file to an HxWx3 uint8 BGR array, or raise `ImageError`.

    OpenCV decodes (it is fast, applies EXIF orientation and decodes a truncated JPEG as far
    as its data goes); Pillow decodes what OpenCV cannot (ICO, for one). The format comes from
    the bytes, not the extension: a PNG named .jpg loads, a text file named .jpg does not.
    """
    import cv2

    file = Path(path)
    if not file.exists():
        raise ImageNotFoundError(path, "no such file")
    if not file.is_file():
        raise ImageNotFoundError(path, "not a file")
    size = file.stat().st_size
    if size == 0:
        raise ImageError(path, "empty file")
    if size > max_bytes:
        raise ImageError(path, f"refused: {size} bytes is above the {max_bytes}-byte limit")
    width, height, kind = image_size(file)
    if width <= 0 or height <= 0:
        raise ImageError(path, f"the header gives an empty picture ({width}x{height})")
    if width * height > max_pixels:
        raise ImageError(
            path,
            f"refused: {width}x{height} is {width * height / 1e6:.1f} MP, above the "
            f"{max_pixels / 1e6:g} MP limit (decompression bomb?)",
        )
    # imread, not imdecode: in OpenCV 4.11 imdecode gives up on a truncated JPEG that imread
    # decodes (the visible picture complete, the rest grey).
    image = cv2.imread(str(file), cv2.IMREAD_COLOR)
    if image is None:
        image = _decode_with_pillow(file)
    elif kind == "JPEG" and _tail(file) != b"\xff\xd9":
        log.warning("%s: JPEG data ends early (truncated?); decoded what is there", path)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ImageError(path, f"decoded to an unexpected array {image.shape} {image.dtype}")
    decoded = (image.shape[1], image.shape[0])
    # EXIF rotation swaps the two sides; anything else means the header lied.
    if decoded not in ((width, height), (height, width)):
        raise ImageError(
            path, f"decoded {decoded[0]}x{decoded[1]}, the header said {width}x{height}"
        )
    return np.ascontiguousarray(image)


def _decode_with_pillow(path: Path) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as opened:
            rgb = np.asarray(opened.convert("RGB"))
    except Exception as error:  # Pillow raises OSError, ValueError, SyntaxError for bad data
        raise ImageError(path, f"cannot decode ({_first_line(error)})") from None
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _tail(path: Path) -> bytes:
    with path.open("rb") as handle:
        handle.seek(-2, 2)
        return handle.read(2)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
