"""Frame statistics of a zoom and their drift across a clip.

* **pattern scale**: the radius (px) at which the colour autocorrelation, averaged over
  directions, falls to one half — the typical size of the dreamt patterns;
* **clipped share**: the fraction of pixels with a channel at 0 or 255 (dead, saturated areas);
* **saturation**: the mean HSV saturation (0..1);
* **slab size**: how large the saturated regions are — the magenta and green "worms" a zoom
  magnifies out of a few saturated blobs (issue 8): saturated pixels (HSV saturation >= 0.6)
  in regions at least 5 % of the short side thick (a morphological opening), their connected
  regions' area-weighted mean area, as a share of the frame (a fine vivid texture ~0.1-0.3 %;
  the magnified worms 1-2.5 % at 320x180);
* **detail**: the mean absolute Laplacian of the luminance (fine structure), also measured on a
  band along the border (what a zoom out brings in) against the interior.
* **anisotropy**: how much of the structure lies along one orientation (0: every orientation
  alike, 1: parallel stripes) — the stripes a dream settles into when the network's favourite
  orientation wins (issue 8, ``dream.views``). Power spectrum, octave by octave of wavelength
  (2-4, 2.8-5.7, 4-8 ... px, up to half the short side): ``|sum P(k) e^(2i theta_k)| / sum P(k)``
  over each ring, less what isotropic texture shows by chance in a ring that size, the largest
  of them (so stripes at one scale are not diluted by isotropic eye-dots at another);
  ``orientation_order`` is a second, independent estimator (local structure tensors, how well
  their orientations agree) to check it against.

``drift`` compares the early frames of a clip with its last frames (ratio of medians, >= 1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from ..dreaming.pyramid import laplacian_bands


def luminance(frame: np.ndarray) -> np.ndarray:
    rgb = np.asarray(frame, np.float32)
    return rgb @ np.array([0.299, 0.587, 0.114], np.float32)


def autocorrelation(image: np.ndarray) -> np.ndarray:
    """Normalised (1 at zero lag) autocorrelation of an image (H, W) or (H, W, C), each channel
    mean-removed and the channels summed; lags centred. Linear, not circular (zero-padded FFT),
    each lag divided by its number of overlapping pixels."""
    image = np.asarray(image, np.float64)
    image = image[..., None] if image.ndim == 2 else image
    centred = image - image.mean(axis=(0, 1))
    height, width = centred.shape[:2]
    shape = (2 * height, 2 * width)

    def correlate(plane):
        spectrum = np.fft.rfft2(plane, shape)
        return np.fft.irfft2(spectrum * np.conj(spectrum), shape)

    overlap = np.maximum(np.rint(correlate(np.ones((height, width)))), 1)
    corr = sum(correlate(centred[..., c]) for c in range(centred.shape[2])) / overlap
    return np.fft.fftshift(corr / (corr[0, 0] + 1e-12))


def pattern_scale(frame: np.ndarray, level: float = 0.5) -> float:
    """Radius in pixels where the direction-averaged autocorrelation (of all colour channels)
    first falls to ``level`` (linear interpolation between integer radii)."""
    image = np.asarray(frame, np.float32)
    if float(image.std(axis=(0, 1)).max()) < 1e-6:
        return float("inf")
    corr = autocorrelation(image)
    height, width = corr.shape
    ys, xs = np.indices(corr.shape)
    bins = np.rint(np.hypot(ys - height // 2, xs - width // 2)).astype(int)
    limit = min(height, width) // 4  # half the frame's short side: enough overlap to trust
    sums = np.bincount(bins.ravel(), corr.ravel())[:limit]
    counts = np.bincount(bins.ravel())[:limit]
    profile = sums / np.maximum(counts, 1)
    below = np.nonzero(profile <= level)[0]
    if not below.size:
        return float(limit)
    r = int(below[0])
    a, b = profile[r - 1], profile[r]
    return float(r - 1 + (a - level) / (a - b + 1e-12))


def clipped_share(frame: np.ndarray) -> float:
    """Fraction of pixels with any channel at 0 or 255."""
    frame = np.asarray(frame)
    hit = np.any((frame <= 0) | (frame >= 255), axis=2)
    return float(hit.mean())


def mean_saturation(frame: np.ndarray) -> float:
    """Mean HSV saturation in [0, 1]: (max - min) / max per pixel."""
    return float(np.mean(saturation_map(frame)))


SLAB_SATURATION = 0.6
SLAB_THICKNESS = 0.05  # of the frame's short side


def saturation_map(frame: np.ndarray) -> np.ndarray:
    rgb = np.asarray(frame, np.float32)
    high, low = rgb.max(axis=2), rgb.min(axis=2)
    return np.where(high > 0, (high - low) / np.maximum(high, 1e-6), 0.0)


def slab_size(frame: np.ndarray) -> float:
    """Area-weighted mean area (share of the frame) of the connected saturated regions at least
    ``SLAB_THICKNESS`` x the short side thick: the size of the typical saturated slab a pixel of
    one belongs to (0 when there is none)."""
    mask = (saturation_map(frame) >= SLAB_SATURATION).astype(np.uint8)
    side = max(3, round(min(mask.shape) * SLAB_THICKNESS) | 1)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    thick = cv2.morphologyEx(mask, cv2.MORPH_OPEN, disk)
    count, _, stats, _ = cv2.connectedComponentsWithStats(thick, connectivity=8)
    areas = stats[1:count, cv2.CC_STAT_AREA].astype(np.float64) / mask.size
    return float((areas ** 2).sum() / areas.sum()) if areas.size else 0.0


def detail_map(frame: np.ndarray) -> np.ndarray:
    return np.abs(cv2.Laplacian(luminance(frame), cv2.CV_32F, ksize=3))


def detail(frame: np.ndarray) -> float:
    """Mean absolute Laplacian of the luminance (levels per pixel)."""
    return float(detail_map(frame).mean())


def border_detail_ratio(frame: np.ndarray, band: float = 0.08) -> float:
    """Detail across the edges in a band along them, over the same in the interior.

    In the top and bottom bands the vertical derivative is measured, in the left and right
    bands the horizontal one (``band`` x the short side wide, the outermost pixel row/column
    skipped); the interior gives the mean of both. Edge pixels stretched or smeared outward
    have no change across the edge and score near 0; a border dreamt like the rest about 1."""
    gray = luminance(frame)
    d_y = np.abs(cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3))
    d_x = np.abs(cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3))
    height, width = gray.shape
    b = max(2, round(band * min(height, width)))
    across = np.concatenate([d_y[1:b + 1, b:-b].ravel(), d_y[-b - 1:-1, b:-b].ravel(),
                             d_x[b:-b, 1:b + 1].ravel(), d_x[b:-b, -b - 1:-1].ravel()])
    inner = (slice(2 * b, height - 2 * b), slice(2 * b, width - 2 * b))
    interior = (d_x[inner].mean() + d_y[inner].mean()) / 2
    return float(across.mean() / (interior + 1e-6))


MIN_RING_BINS = 32  # fewer frequencies say too little
MIN_RING_SHARE = 0.02  # below, a ring holds mostly the window's leakage from other frequencies


def octave_rings(height: int, width: int, shortest: float = 2.0) -> list[tuple[float, float]]:
    """Rings of wavelengths (px) one octave wide, every half octave from ``shortest`` on, up to
    half the short side."""
    rings, low = [], shortest
    while 2 * low <= min(height, width) / 2:
        rings.append((low, 2 * low))
        low *= np.sqrt(2)
    return rings


def spectral_orientation(frame: np.ndarray, harmonic: int = 2) -> list[tuple[complex, int]]:
    """Per ring of wavelengths (:func:`octave_rings`) that holds at least ``MIN_RING_SHARE`` of
    the power and ``MIN_RING_BINS`` frequencies: the power-weighted mean of e^(i harmonic theta)
    over the ring of the Hann-windowed, mean-removed power spectrum (colour channels summed), and
    the ring's number of frequencies. With ``harmonic`` 2 the mean's modulus is the ring's
    anisotropy (one orientation) and half its argument the direction of the wave vector (degrees
    from +x, image y down; the stripes run at right angles to it); with 4 it also sees two
    orientations at right angles (crossed stripes, whose 2nd harmonic cancels)."""
    image = np.asarray(frame, np.float64)
    image = image[..., None] if image.ndim == 2 else image
    height, width = image.shape[:2]
    window = np.outer(np.hanning(height), np.hanning(width))[..., None]
    centred = (image - image.mean(axis=(0, 1))) * window
    power = np.sum(np.abs(np.fft.rfft2(centred, axes=(0, 1))) ** 2, axis=2)
    fy, fx = np.fft.fftfreq(height)[:, None], np.fft.rfftfreq(width)[None, :]
    radius, phase = np.hypot(fx, fy), np.exp(1j * harmonic * np.arctan2(fy, fx))
    total = power[radius > 0].sum() + 1e-12
    out = []
    for short, long in octave_rings(height, width):
        ring = (radius > 1 / long) & (radius <= 1 / short)
        bins = int(ring.sum())
        if bins >= MIN_RING_BINS and power[ring].sum() >= MIN_RING_SHARE * total:
            out.append((complex((power * phase)[ring].sum() / power[ring].sum()), bins))
    return out


def chance_anisotropy(bins: int) -> float:
    """What isotropic texture measures in a ring of ``bins`` frequencies by chance (about its
    95th percentile on blurred noise, 192x108 to 320x180): few independent patterns fit in a
    small frame at a coarse scale, and some line up."""
    return min(0.9, 2 / np.sqrt(bins))


def anisotropy(frame: np.ndarray) -> float:
    """0 (structure in every orientation alike) .. 1 (parallel stripes): over the rings of the
    power spectrum (:func:`spectral_orientation`, 2nd and 4th harmonic: one orientation, or two
    crossed), the largest anisotropy beyond chance — ``(|z| - c) / (1 - c)`` with ``c`` =
    :func:`chance_anisotropy` — at least 0. Isotropic noise
    measures ~0-0.15, isotropic dreams up to ~0.3 (a few large blobs that happen to line up),
    the stripes of issue 8 0.4-0.65 at 192x108."""
    rings = spectral_orientation(frame, 2) + spectral_orientation(frame, 4)
    return float(max([0.0] + [(abs(z) - chance_anisotropy(n)) / (1 - chance_anisotropy(n)) for z, n in rings]))


def stripe_angle(frame: np.ndarray) -> float:
    """Direction (degrees, -90..90, image y down, counter-clockwise on screen is negative) along
    which the stripes of the most anisotropic ring run."""
    rings = [(abs(z) - chance_anisotropy(n), z) for z, n in spectral_orientation(frame)]
    z = max(rings, key=lambda ring: ring[0])[1] if rings else 0j
    return float((np.degrees(np.angle(z)) / 2 + 180) % 180 - 90)


def orientation_order(frame: np.ndarray, levels: int = 4) -> float:
    """A second estimator of :func:`anisotropy`: per Laplacian-pyramid level of the luminance
    (levels 1.. : wavelengths ~4 px and up), the structure tensor in Gaussian windows (sigma 2 px
    of the level), each window's coherence times e^(2i angle), averaged over the frame; the
    largest modulus over the levels. Windows that agree on one orientation add up (stripes: ~1),
    isotropic or locally oriented but randomly turned structure cancels (~0.1-0.2)."""
    best = 0.0
    for band in laplacian_bands(luminance(frame), levels + 1)[:-1][1:]:  # band-pass levels 1..
        if min(band.shape) >= 12:
            gx, gy = cv2.Sobel(band, cv2.CV_32F, 1, 0), cv2.Sobel(band, cv2.CV_32F, 0, 1)
            jxx, jyy, jxy = (cv2.GaussianBlur(a, (0, 0), 2.0) for a in (gx * gx, gy * gy, gx * gy))
            local = (jxx - jyy + 2j * jxy) / (jxx + jyy + 1e-6)
            best = max(best, float(abs(local.mean())))
    return best


@dataclass(frozen=True)
class FrameStats:
    scale: float
    clipped: float
    saturation: float
    detail: float
    border: float
    anisotropy: float
    order: float
    slab: float

    @classmethod
    def of(cls, frame: np.ndarray) -> "FrameStats":
        return cls(pattern_scale(frame), clipped_share(frame), mean_saturation(frame), detail(frame),
                   border_detail_ratio(frame), anisotropy(frame), orientation_order(frame),
                   slab_size(frame))


def clip_stats(frames) -> dict[str, np.ndarray]:
    """Per-frame statistics of a clip, one array per name."""
    rows = [asdict(FrameStats.of(frame)) for frame in frames]
    return {name: np.array([row[name] for row in rows]) for name in rows[0]}


def windows(count: int) -> tuple[slice, slice]:
    """The early window (5%..15% of the clip: after the first frame has settled, like frame 50
    of 500) and the late one (the last 10%)."""
    early = slice(max(1, count // 20), max(2, count * 3 // 20))
    return early, slice(count - max(1, count // 10), count)


def ratio(a: float, b: float) -> float:
    """a / b or b / a, whichever is >= 1."""
    if min(a, b) <= 0:
        return float("inf") if max(a, b) > 0 else 1.0
    return max(a / b, b / a)


def drift(values: np.ndarray) -> float:
    """How far the last frames moved from the early ones: ratio of medians, >= 1 either way."""
    values = np.asarray(values, float)
    early, late = windows(len(values))
    return ratio(float(np.median(values[early])), float(np.median(values[late])))


def worst_drift(values: np.ndarray) -> float:
    """The largest drift of any 10%-of-the-clip window after the early one (a clip that
    degenerates midway and recovers at the end shows here, not in ``drift``)."""
    values = np.asarray(values, float)
    early, late = windows(len(values))
    width = late.stop - late.start
    reference = float(np.median(values[early]))
    return max(ratio(reference, float(np.median(values[start:start + width])))
               for start in range(early.stop, len(values) - width + 1))


def summary(stats: dict[str, np.ndarray]) -> dict[str, float]:
    """The numbers the benchmark and tests judge: drifts and the worst clipped share."""
    scale = stats["scale"]
    early, late = windows(len(scale))
    return {
        "scale_early": float(np.median(scale[early])),
        "scale_late": float(np.median(scale[late])),
        "scale_drift": drift(scale),
        "scale_worst": worst_drift(scale),
        "saturation_drift": drift(stats["saturation"]),
        "saturation_worst": worst_drift(stats["saturation"]),
        "detail_drift": drift(stats["detail"]),
        "clipped_max": float(np.max(stats["clipped"])),
        "border_min": float(np.min(stats["border"][1:])) if len(scale) > 1 else float("nan"),
        "anisotropy_early": float(np.median(stats["anisotropy"][early])),
        "anisotropy_late": float(np.median(stats["anisotropy"][late])),
        "anisotropy_max": float(np.max(stats["anisotropy"][early.start:])),
        "order_early": float(np.median(stats["order"][early])),
        "order_late": float(np.median(stats["order"][late])),
        "slab_early": float(np.median(stats["slab"][early])),
        "slab_max": float(np.max(stats["slab"])),
    }
