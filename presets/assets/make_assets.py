"""Regenerate the example assets used by the presets (deterministic; run from anywhere).

- ``guide_petals.png``: rings and petals, a guide image for guided dreams.
- ``guide_peacock.png``: peacock-feather eyes (dark pupil, blue, teal, gold and green rings on
  fine radial barbs), a colourful guide image for guided dreams.
- ``strokes.png``: coloured brush strokes, a style image.
- ``source_embers.png``: smooth blobs of indigo, crimson, orange and gold, a warm opening frame.
- ``source_candy.png``: smooth blobs of violet, hot pink, orange, yellow and sky blue.
- ``source_lagoon.png``: smooth blobs of deep blue, teal, cyan and gold, a cool opening frame.
- ``drift.mp4``: 4 s, 320x180, 24 fps — a camera drifting over a textured landscape while a
  bright disc crosses it: real motion (pan plus an independently moving object) for the video
  presets and benchmarks.
"""

from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).parent


def guide_petals(size: int = 256) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    radius = np.hypot(x - size / 2, y - size / 2)
    angle = np.arctan2(y - size / 2, x - size / 2)
    petals = 0.5 + 0.5 * np.cos(12 * angle + radius / 6)
    rings = 0.5 + 0.5 * np.sin(radius / 5)
    image = np.stack([255 * petals, 255 * (0.3 + 0.7 * rings * petals), 255 * (1 - rings) * 0.8], -1)
    return image.clip(0, 255).astype(np.uint8)


def guide_peacock(size: int = 320, seed: int = 4) -> np.ndarray:
    """Feather eyes of random sizes scattered over green-bronze barbs, each eye's rings
    (centre out) dark blue, royal blue, teal, gold, bronze; barbs run radially from each eye."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    rings = np.array([(20, 20, 70), (30, 70, 200), (20, 160, 150), (230, 190, 50), (120, 90, 30)], np.float32)
    image = np.zeros((size, size, 3), np.float32) + (40, 110, 50)
    nearest = np.full((size, size), np.inf, np.float32)
    for _ in range(26):
        cx, cy = rng.uniform(0, size, 2)
        radius = rng.uniform(18, 40)
        dx, dy = (x - cx + size / 2) % size - size / 2, (y - cy + size / 2) % size - size / 2  # wraps: tiles
        r = np.hypot(dx / 1.3, dy) / radius
        closer = r < nearest
        nearest = np.where(closer, r, nearest)
        band = np.clip((r * len(rings)).astype(int), 0, len(rings) - 1)
        barbs = 0.75 + 0.25 * np.cos(40 * np.arctan2(dy, dx))
        eye = np.where((r < 1)[..., None], rings[band], (40, 110, 50) + 60 * barbs[..., None] * (0.3, 0.6, 0.1))
        image = np.where(closer[..., None], eye, image)
    image = cv2.GaussianBlur(image, (0, 0), 0.8)
    return image.clip(0, 255).astype(np.uint8)


def smooth_field(width: int, height: int, seed: int, cell: int = 24) -> np.ndarray:
    """Smooth noise in 0..1: uniform noise on ``cell``-pixel cells, cubic-upscaled, stretched to the range."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 1, (height // cell + 2, width // cell + 2)).astype(np.float32)
    field = cv2.resize(small, (width + 2 * cell, height + 2 * cell), interpolation=cv2.INTER_CUBIC)
    field = field[cell:cell + height, cell:cell + width]
    return (field - field.min()) / (np.ptp(field) + 1e-6)


def palette_blobs(palette, width: int = 480, height: int = 270, seed: int = 0,
                  cells: tuple[int, int] = (24, 10), contrast: float = 1.0) -> np.ndarray:
    """Fine smooth noise (two octaves of ``cells`` px) mapped through a list of RGB colours (low to
    high): an opening frame with the palette's colours and structure near the network's scale,
    little coarse structure (the zoom holds the opening frame's coarse energy)."""
    field = 0.6 * smooth_field(width, height, seed, cells[0]) + 0.4 * smooth_field(width, height, seed + 1, cells[1])
    field = np.argsort(np.argsort(field, axis=None)).reshape(field.shape) / field.size  # every colour alike
    stops = np.linspace(0, 1, len(palette))
    colours = np.asarray(palette, np.float32)
    image = np.stack([np.interp(field, stops, colours[:, c]) for c in range(3)], -1)
    mean = image.mean(axis=(0, 1))
    return (mean + contrast * (image - mean)).clip(0, 255).astype(np.uint8)


EMBERS = [(25, 10, 60), (120, 20, 70), (210, 40, 30), (250, 130, 20), (255, 215, 80)]
CANDY = [(40, 0, 90), (210, 20, 140), (255, 110, 40), (255, 230, 70), (0, 190, 255)]
LAGOON = [(10, 20, 80), (20, 90, 170), (20, 170, 160), (120, 230, 230), (240, 200, 70)]


def strokes(size: int = 384, count: int = 900, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    canvas = np.full((size, size, 3), (235, 225, 200), np.uint8)
    palette = np.array([(30, 60, 140), (220, 160, 40), (200, 60, 40), (40, 120, 90), (250, 230, 120),
                        (20, 20, 40)], np.uint8)
    for _ in range(count):
        x, y = rng.integers(0, size, 2)
        angle = rng.normal(0.6, 0.5)
        length = rng.integers(8, 40)
        end = (int(x + length * np.cos(angle)), int(y + length * np.sin(angle)))
        colour = palette[rng.integers(len(palette))].astype(int) + rng.integers(-25, 25, 3)
        cv2.line(canvas, (int(x), int(y)), end, tuple(int(c) for c in np.clip(colour, 0, 255)),
                 int(rng.integers(2, 7)), cv2.LINE_AA)
    return cv2.GaussianBlur(canvas, (0, 0), 0.7)


def landscape(width: int, height: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), np.float32)
    for cell, amount in ((64, 0.6), (16, 0.3), (4, 0.1)):
        small = rng.uniform(0, 255, (height // cell + 2, width // cell + 2, 3)).astype(np.float32)
        image += amount * cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    sky = np.linspace(1.2, 0.6, height, dtype=np.float32)[:, None, None]
    return np.clip(image * sky, 0, 255).astype(np.uint8)


def drift_frames(size=(320, 180), frames: int = 96):
    width, height = size
    world = landscape(width + frames * 2 + 8, height + 8)
    for index in range(frames):
        frame = world[4:4 + height, 2 * index:2 * index + width].copy()  # camera pans 2 px/frame
        centre = (int(40 + index * 2.5), int(height / 2 + 30 * np.sin(index / 12)))
        cv2.circle(frame, centre, 18, (250, 240, 200), -1, cv2.LINE_AA)
        cv2.circle(frame, centre, 9, (200, 80, 60), -1, cv2.LINE_AA)
        yield frame


def main() -> None:
    from dreamvideo.single import write_image
    from dreamvideo.videoio import open_sink

    write_image(HERE / "guide_petals.png", guide_petals(), overwrite=True)
    write_image(HERE / "guide_peacock.png", guide_peacock(), overwrite=True)
    write_image(HERE / "strokes.png", strokes(), overwrite=True)
    write_image(HERE / "source_embers.png", palette_blobs(EMBERS, seed=11, contrast=0.5), overwrite=True)
    write_image(HERE / "source_candy.png", palette_blobs(CANDY, seed=31, contrast=0.7), overwrite=True)
    write_image(HERE / "source_lagoon.png", palette_blobs(LAGOON, seed=21), overwrite=True)
    with open_sink(HERE / "drift.mp4", fps=24, size=(320, 180), crf=16, overwrite=True) as sink:
        for frame in drift_frames():
            sink.write(frame)


if __name__ == "__main__":
    main()
