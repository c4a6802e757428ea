"""Dreaming and stylising photos: the pictures of docs/dreaming-photos.md and the cost of the
default dream on a 1-megapixel photo.

Material: real photographs bundled with scikit-image (astronaut, coffee). Every picture is made
through the CLI's own function (``dream_image_file`` / ``stylize_image_file``), so it is what
``dreamvideo dream PHOTO -o OUT.png`` gives. Cost: CPU-seconds of the dream itself
(``time.process_time``, all threads, TensorFlow already loaded) and the wall time beside it.

    nice -n 19 .venv/bin/python bench/photo_dream.py [--only NAME ...] [--skip-pictures]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
GUIDE = ROOT / "presets" / "assets" / "guide_peacock.png"
STYLE = ROOT / "presets" / "assets" / "strokes.png"

# name -> (photo, --set overrides, --strength); no overrides: the defaults of `dreamvideo dream`.
DREAMS = {
    "dream_astronaut": ("astronaut", [], 1.0),
    "dream_coffee": ("coffee", [], 1.0),
    "dream_coffee_strength_0.5": ("coffee", [], 0.5),
    "objective_layer": ("coffee", ["dream.objective=[{layer: block3_conv3}]"], 1.0),
    "objective_channel": ("coffee", ["dream.objective=[{layer: block4_conv3, channel: 35}]"], 1.0),
    "objective_neuron": ("astronaut", ["dream.objective=[{layer: block4_conv3, neuron: "
                                       "{channel: 35, x: 0.5, y: 0.3}}]"], 1.0),
    "objective_guide": ("coffee", [f"dream.objective=[{{layer: block3_conv3, guide: {GUIDE}}}]"], 1.0),
}


def photo(name: str) -> np.ndarray:
    from skimage import data

    return getattr(data, name)()


def write_rgb(path: Path, image: np.ndarray) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return path


def side_by_side(before: np.ndarray, after: np.ndarray, path: Path, height: int = 360) -> None:
    """Before | after, each ``height`` px tall, as a JPEG for the docs."""
    def fit(image):
        return cv2.resize(image, (round(image.shape[1] * height / image.shape[0]), height),
                          interpolation=cv2.INTER_AREA)

    gap = np.full((height, 8, 3), 255, np.uint8)
    sheet = np.concatenate([fit(before), gap, fit(after)], axis=1)
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])


def read_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def dream_pictures(work: Path, only: list[str]) -> None:
    from dreamvideo.photo import dream_image_file

    for name, (source, overrides, strength) in DREAMS.items():
        if only and name not in only:
            continue
        original = write_rgb(work / f"{source}.png", photo(source))
        out = work / f"{name}.png"
        start = time.process_time()
        dream_image_file(original, out, overrides=overrides, overwrite=True, strength=strength)
        print(f"{name}: {time.process_time() - start:.1f} CPU-s", flush=True)
        side_by_side(read_rgb(original), read_rgb(out), IMAGES / f"{name}.jpg")


def stylize_picture(work: Path) -> None:
    from dreamvideo.photo import stylize_image_file

    original = write_rgb(work / "coffee.png", photo("coffee"))
    out = work / "stylize_coffee.png"
    start = time.process_time()
    stylize_image_file(original, [STYLE], out, overwrite=True)
    print(f"stylize_coffee: {time.process_time() - start:.1f} CPU-s", flush=True)
    side_by_side(read_rgb(original), read_rgb(out), IMAGES / "stylize_coffee.jpg")


def megapixel_cost(work: Path) -> None:
    """The default dream of astronaut enlarged to 1024x1024 (1.05 MP), CPU-seconds and wall."""
    from dreamvideo.photo import dream_image_file

    big = cv2.resize(photo("astronaut"), (1024, 1024), interpolation=cv2.INTER_CUBIC)
    original = write_rgb(work / "astronaut_1mp.png", big)
    dream_image_file(original, work / "warm.png", overrides=["dream.steps=1"], overwrite=True)  # load the network
    start, wall = time.process_time(), time.perf_counter()
    dream_image_file(original, work / "astronaut_1mp_dream.png", overwrite=True)
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    print(f"1 MP default dream: {cpu:.1f} CPU-s, {wall:.1f} s wall (load: {open('/proc/loadavg').read().split()[0]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="only these pictures (names in DREAMS, or stylize)")
    parser.add_argument("--skip-pictures", action="store_true", help="only the 1-megapixel cost")
    parser.add_argument("--work", type=Path, default=Path("/tmp/photo_dream"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    IMAGES.mkdir(parents=True, exist_ok=True)
    if not args.skip_pictures:
        dreams = [name for name in args.only if name != "stylize"]
        if dreams or not args.only:
            dream_pictures(args.work, dreams)
        if not args.only or "stylize" in args.only:
            stylize_picture(args.work)
    if not args.only:
        megapixel_cost(args.work)


if __name__ == "__main__":
    main()
