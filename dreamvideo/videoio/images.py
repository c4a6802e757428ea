"""Single frames: reading image files, fitting frames to a size, and pixel conversions.

Frames are ``uint8 (H, W, 3)`` RGB arrays; sizes are ``(width, height)``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from dreamvideo.videoio.colour import srgb_decode
from dreamvideo.errors import InputError, UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


def read_image(path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """Load an image as ``uint8 (H, W, 3)`` RGB (alpha dropped, 16-bit reduced to 8-bit).

    With ``size``, the image is fitted to it by :func:`fit_to_size`. A missing or
    unreadable file raises InputError (a UserError).
    """
    path = existing_file(path, "image")
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as err:
        raise InputError(f"cannot read image {path}: {err.strerror}") from err
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise InputError(f"{path} is not a readable image (PNG, JPEG, TIFF, BMP, WebP)")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return rgb if size is None else fit_to_size(rgb, size)


def write_png(frame: np.ndarray, path: Path) -> None:
    """Write a uint8 RGB frame as a PNG file (encoded in memory, so any path name works)."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"OpenCV could not encode {path.name} as PNG")
    write_bytes(Path(path), data.tobytes())


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``; an OS error (disk full, no permission) names ``path`` and
    leaves no partial file behind."""
    try:
        path.write_bytes(data)
    except OSError as err:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        if err.filename is None:  # a failed write() or close() names no file
            raise OSError(err.errno, err.strerror, str(path)) from err
        raise


def fit_to_size(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Fit ``frame`` to ``size`` = (width, height) by "cover": scale keeping the aspect
    ratio until the frame fills ``size``, then crop the overflow equally on both sides.

    Area interpolation when shrinking, cubic when enlarging; same-size frames are returned
    as they are.
    """
    width, height = check_size(size)
    frame_h, frame_w = frame.shape[:2]
    if (frame_w, frame_h) == (width, height):
        return frame
    scale = max(width / frame_w, height / frame_h)
    scaled_w = max(width, round(frame_w * scale))
    scaled_h = max(height, round(frame_h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(frame, (scaled_w, scaled_h), interpolation=interpolation)
    x0, y0 = (scaled_w - width) // 2, (scaled_h - height) // 2
    return np.ascontiguousarray(scaled[y0:y0 + height, x0:x0 + width])


def to_uint8(image: np.ndarray) -> np.ndarray:
    """A float image in [0, 255] as a uint8 frame (rounded, clipped)."""
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def srgb_to_linear(frame: np.ndarray) -> np.ndarray:
    """sRGB-encoded uint8 RGB -> linear float32 RGB in [0, 1] (the EXR sink's default)."""
    return srgb_decode(frame.astype(np.float32) / np.float32(255.0))


def check_size(size) -> tuple[int, int]:
    """``size`` as a (width, height) tuple of positive ints; UserError otherwise."""
    try:
        width, height = (int(v) for v in size)
        valid = (width, height) == tuple(size) and width > 0 and height > 0
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise UserError(f"size must be two positive integers (width, height), got {size!r}")
    return width, height


def existing_file(path, kind: str) -> Path:
    """``path`` as a Path to an existing file; InputError naming ``kind`` otherwise."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{kind} {path} is a folder, not a file")
    if not path.is_file():
        raise InputError(f"{kind} not found: {path}")
    return path
