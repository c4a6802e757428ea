"""What keeps a long zoom statistically steady — each a small function of an image.

Why a plain zoom degenerates: every frame magnifies the last one, so the spectrum slides toward
large scales by ``zoom.scale`` per frame, while a few dream steps only add structure at the
network's own scale. Patterns the network likes (saturated colour-opponent edges) are magnified
into slabs faster than they are broken up, and where they hit 0 or 255 the clip freezes them:
the gradient keeps pushing outward and nothing moves. The controls, applied every frame:

* ``flatten``: remove a share of the structure larger than ``flatten_sigma`` px (the
  magnified patterns), so large scales decay as fast as the zoom feeds them;
* ``detail``: re-inject fine noise (RMS levels) that the magnification smoothed away, for the
  dream to grow new patterns from;
* ``colour_match``: pull the per-channel mean and spread (in an opponent colour space: light,
  red-blue, green-magenta) toward those of the opening frame;
* ``soft_range``: a smooth roll-off over the last ``soft_range`` levels instead of a hard clip,
  so saturated areas keep a gradient and never freeze at 0 / 255.

A zoom out brings in a border the previous frame never had: ``entering`` finds it and
``fill_entering`` fills it with a blurred continuation of the picture plus noise for the dream
to work on, instead of mirrored or stretched edge pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

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


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)


def flatten(image: np.ndarray, amount: float, sigma: float) -> np.ndarray:
    """Remove ``amount`` (0..1) of the structure larger than ``sigma`` px (the low-passed image's
    deviation from the frame's mean colour)."""
    if amount <= 0:
        return image
    low = blur(image, sigma)
    return (image - amount * (low - low.mean(axis=(0, 1)))).astype(np.float32)


def fine_noise(shape: tuple[int, ...], rng: np.random.Generator, rms: float) -> np.ndarray:
    """High-passed grey-and-colour noise with the given RMS (levels), features of ~1-2 px."""
    noise = rng.standard_normal(shape).astype(np.float32)
    noise = noise - blur(noise, 2.0)
    return noise * (rms / (float(np.sqrt(np.mean(noise ** 2))) + 1e-8))


def add_detail(image: np.ndarray, rng: np.random.Generator, rms: float) -> np.ndarray:
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
                  sigma: float, rms: float) -> np.ndarray:
    """Replace the entering border (``new`` == 1 on pixels outside the previous frame) with a
    strongly blurred continuation of the picture plus mid-scale noise of ``rms`` levels, for
    the dream to turn into new content."""
    outside = (new >= 0.999).astype(np.float32)
    if not outside.any():
        return image
    continuation = blur(image, sigma)
    noise = rng.standard_normal(image.shape).astype(np.float32)
    noise = blur(noise, 1.5)
    noise *= rms / (float(np.sqrt(np.mean(noise ** 2))) + 1e-8)
    soft = blur(outside, 1.5)[..., None]
    return (image * (1 - soft) + (continuation + noise) * soft).astype(np.float32)
