"""What keeps a long zoom statistically steady — each a small function of an image.

Why a plain zoom degenerates: every frame magnifies the last one, so the spectrum slides toward
large scales by ``zoom.scale`` per frame, while a few dream steps only add structure at the
network's own scale. Patterns the network likes (saturated colour-opponent edges) are magnified
into slabs faster than they are broken up, and where they hit 0 or 255 the clip freezes them:
the gradient keeps pushing outward and nothing moves. The controls, applied every frame:

* ``flatten``: remove a share of the structure larger than ``flatten_sigma`` px (the
  magnified patterns), so large scales decay as fast as the zoom feeds them; zooming out, the
  same share of the finest structure (below ~1 px), which the zoom shrinks below the network's
  scale, is smoothed instead;
* ``detail``: re-inject fine noise (RMS levels) that the magnification smoothed away, for the
  dream to grow new patterns from.

Both are given for 3 % zoom per frame and follow the zoom rate (ln scale), so a keyframed zoom
that speeds up is counteracted in proportion, and a pure pan or rotation is left alone.
* ``colour_match``: pull the per-channel mean and spread (in an opponent colour space: light,
  red-blue, green-magenta) toward those of the opening frame;
* ``soft_range``: a smooth roll-off over the last ``soft_range`` levels instead of a hard clip,
  so saturated areas keep a gradient and never freeze at 0 / 255.

A zoom out brings in a border the previous frame never had: ``entering`` finds it and
``fill_entering`` fills it with dreamt content taken from elsewhere in the frame, for the
dream to stitch in, instead of mirrored or stretched edge pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..dreaming.pyramid import laplacian_bands, merge_bands

# Rows: light, red-blue, green-magenta (orthogonal, so stats per row are independent axes).
OPPONENT = np.array([[1 / 3, 1 / 3, 1 / 3], [1 / 2, 0.0, -1 / 2], [-1 / 4, 1 / 2, -1 / 4]], np.float32)
FROM_OPPONENT = np.linalg.inv(OPPONENT).astype(np.float32)


@dataclass(frozen=True)
class ColourStats:
    """Mean and standard deviation of an image's opponent-colour channels."""

    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    @classmethod
    def of(cls, image: np.ndarray) -> "ColourStats":
        opp = np.asarray(image, np.float32).reshape(-1, 3) @ OPPONENT.T
        return cls(tuple(opp.mean(axis=0).tolist()), tuple(opp.std(axis=0).tolist()))


def match_colour(image: np.ndarray, target: ColourStats, strength: float) -> np.ndarray:
    """Move each opponent channel's mean and spread ``strength`` (0..1) of the way to ``target``."""
    if strength <= 0:
        return image
    shape = image.shape
    opp = np.asarray(image, np.float32).reshape(-1, 3) @ OPPONENT.T
    mean, std = opp.mean(axis=0), opp.std(axis=0) + 1e-6
    gain = 1 + strength * (np.asarray(target.std, np.float32) / std - 1)
    new_mean = mean + strength * (np.asarray(target.mean, np.float32) - mean)
    opp = (opp - mean) * gain + new_mean
    return (opp @ FROM_OPPONENT.T).reshape(shape).astype(np.float32)


def soft_limit(image: np.ndarray, knee: float) -> np.ndarray:
    """Identity on [knee, 255 - knee]; beyond, a tanh roll-off that approaches 0 / 255 without
    reaching them. ``knee`` 0 is a hard clip."""
    if knee <= 0:
        return np.clip(image, 0, 255).astype(np.float32)
    high, low = 255.0 - knee, knee
    out = np.where(image > high, high + knee * np.tanh((image - high) / knee), image)
    out = np.where(out < low, low - knee * np.tanh((low - out) / knee), out)
    return out.astype(np.float32)


def bands(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """Laplacian pyramid, fine to coarse; the last entry is the low-pass residual."""
    return laplacian_bands(image, levels, min_side=8)


def band_energy(image: np.ndarray, levels: int = 5) -> tuple[float, ...]:
    """RMS of each band-pass level (fine to coarse, the low-pass residual left out): how much
    structure the image has at each scale, octave by octave."""
    return tuple(float(np.sqrt(np.mean(band ** 2))) for band in bands(image, levels)[:-1])


def match_spectrum(image: np.ndarray, target: tuple[float, ...], strength: float,
                   max_gain: float = 2.0) -> np.ndarray:
    """Scale each octave of structure ``strength`` (0..1, in log gain) of the way to the
    ``target`` energies (``band_energy`` of the opening frame), each gain within
    [1/max_gain, max_gain]: a zoom in feeds the coarse octaves and starves the fine ones, a zoom
    out the opposite; this undoes either, whatever the camera does."""
    if strength <= 0:
        return image
    pyramid = bands(image, len(target) + 1)
    for level, goal in enumerate(target[:len(pyramid) - 1]):
        rms = float(np.sqrt(np.mean(pyramid[level] ** 2)))
        gain = np.clip((goal / (rms + 1e-6)) ** strength, 1 / max_gain, max_gain)
        pyramid[level] = pyramid[level] * gain
    return merge_bands(pyramid).astype(np.float32)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)


REFERENCE_RATE = float(np.log(1.03))  # the zoom rate the amounts are given for (3 % per frame)


def rate_factor(scale: float) -> float:
    """How much faster than 3 % per frame the camera changes scale (signed: < 0 zooms out)."""
    return float(np.log(max(scale, 1e-6))) / REFERENCE_RATE


def flatten(image: np.ndarray, amount: float, sigma: float) -> np.ndarray:
    """Remove ``amount`` (0..1) of the structure larger than ``sigma`` px (the low-passed image's
    deviation from the frame's mean colour)."""
    if amount <= 0:
        return image
    low = blur(image, sigma)
    return (image - min(amount, 1.0) * (low - low.mean(axis=(0, 1)))).astype(np.float32)


def smooth_fine(image: np.ndarray, amount: float, sigma: float = 1.0) -> np.ndarray:
    """Remove ``amount`` (0..1) of the structure finer than ``sigma`` px (what a zoom out
    shrinks below the network's scale)."""
    if amount <= 0:
        return image
    return (image + min(amount, 1.0) * (blur(image, sigma) - image)).astype(np.float32)


def counter_scale_shift(image: np.ndarray, scale: float, amount: float, sigma: float) -> np.ndarray:
    """Undo the spectrum's slide that a zoom step causes, ``amount`` at 3 % per frame and in
    proportion to the zoom rate: zooming in, large structure is flattened; zooming out, the
    finest is smoothed."""
    rate = rate_factor(scale)
    if rate > 0:
        return flatten(image, amount * rate, sigma)
    return smooth_fine(image, -amount * rate)


def fine_noise(shape: tuple[int, ...], rng: np.random.Generator, rms: float) -> np.ndarray:
    """High-passed grey-and-colour noise with the given RMS (levels), features of ~1-2 px."""
    noise = rng.standard_normal(shape).astype(np.float32)
    noise = noise - blur(noise, 2.0)
    return noise * (rms / (float(np.sqrt(np.mean(noise ** 2))) + 1e-8))


def add_detail(image: np.ndarray, rng: np.random.Generator, rms: float, scale: float = 1.03) -> np.ndarray:
    """Add fine noise of ``rms`` levels at 3 % zoom in per frame, in proportion to the zoom rate
    (none when the camera does not magnify)."""
    rms = rms * max(0.0, rate_factor(scale))
    if rms <= 0:
        return image
    return image + fine_noise(image.shape, rng, rms)


def entering(matrices: list[np.ndarray], size: tuple[int, int]) -> np.ndarray:
    """float32 (H, W) in [0, 1]: how new each pixel is. ``matrices`` are the camera steps that
    led to this frame, newest first; a pixel outside the previous frame's picture is 1, one
    that entered k steps ago is (1 - k / len(matrices)), older pixels 0."""
    width, height = size
    coverage = np.ones((height, width), np.float32)
    age_weight = np.zeros((height, width), np.float32)
    composite = np.eye(3, dtype=np.float64)
    count = len(matrices)
    for k, matrix in enumerate(matrices):
        composite = composite @ np.vstack([matrix, [0, 0, 1]])
        covered = cv2.warpAffine(coverage, composite[:2].astype(np.float32), (width, height),
                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        age_weight = np.maximum(age_weight, (1 - covered) * (1 - k / count))
    return age_weight


def fill_entering(image: np.ndarray, new: np.ndarray, rng: np.random.Generator, *,
                  rms: float) -> np.ndarray:
    """Replace the entering border (``new`` == 1 on pixels outside the previous frame) with
    other dreamt content of the same picture — the frame moved by a random offset of at least a
    quarter of its size, wrapping around — plus a little noise of ``rms`` levels, for the dream
    to stitch in. Neither edge pixels nor the edge's colour are stretched into it (that would
    grow ever larger areas of one colour from the edges inward)."""
    outside = (new >= 0.999).astype(np.float32)
    if not outside.any():
        return image
    height, width = image.shape[:2]
    dy = int(rng.integers(height // 4, height - height // 4 + 1))
    dx = int(rng.integers(width // 4, width - width // 4 + 1))
    patch = np.roll(image, (dy, dx), axis=(0, 1))
    patch = patch + blur(rng.standard_normal(image.shape).astype(np.float32), 1.0) * (rms / 4)
    soft = blur(outside, 1.5)[..., None]
    return (image * (1 - soft) + patch * soft).astype(np.float32)
