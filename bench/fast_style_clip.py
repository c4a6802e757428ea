"""The clip of ``bench_fast_style.py`` and the optimisation renders it is compared with.

A still (smooth texture, sky gradient, solid discs) seen by a camera that zooms in and turns,
with a textured square moving across it; the true flow is known. ``Renderer`` runs
``effect: style`` (optimisation) frame by frame, recording outputs, time and iterations.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from synthetic import textured_image  # noqa: E402

from dreamvideo.config import StyleConfig  # noqa: E402
from dreamvideo.effects.base import FrameContext  # noqa: E402
from dreamvideo.effects.style import StyleEffect  # noqa: E402
from dreamvideo.motion.flow import OpenCVFlow, consistency_mask, warping_error  # noqa: E402
from dreamvideo.backbone.models import load_backbone  # noqa: E402
from dreamvideo.style import Stylizer  # noqa: E402


@dataclass(frozen=True)
class Clip:
    frames: list[np.ndarray]
    flows_fw: list[np.ndarray]  # t -> t+1
    flows_bw: list[np.ndarray]  # t+1 -> t


def scene(size: tuple[int, int], seed: int) -> np.ndarray:
    """A still: smooth texture with a sky gradient and a few solid discs."""
    width, height = size
    rng = np.random.default_rng(seed)
    image = textured_image(size, seed).astype(np.float32) * 0.5
    image += np.linspace(40, 120, height)[:, None, None] * np.array([0.6, 0.8, 1.0])
    image = np.clip(image, 0, 255).astype(np.uint8)
    for _ in range(max(4, width // 80)):
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.circle(image, centre, int(rng.integers(height // 12, height // 5)), colour, -1)
    return image


def camera_matrix(t: int, size: tuple[int, int], zoom: float, turn: float) -> np.ndarray:
    """3x3: canvas pixel -> frame pixel at time t (zoom about the centre, turning)."""
    width, height = size
    m = cv2.getRotationMatrix2D((width / 2, height / 2), turn * t, zoom ** t)
    return np.vstack([m, [0, 0, 1]])


def zoom_clip(size: tuple[int, int], frames: int, seed: int = 0, *, zoom: float = 1.02,
              turn: float = 0.8) -> Clip:
    width, height = size
    canvas = scene(size, seed)
    side = height // 4
    square = textured_image((side, side), seed + 1)
    velocity = np.array([max(2, width // 100), max(1, height // 180)], np.float32)
    start = np.array([width // 6, height // 2 - side // 2])
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    points = np.stack([xs, ys, np.ones_like(xs)], -1)
    out, fws, bws, inside = [], [], [], []
    for t in range(frames):
        m = camera_matrix(t, size, zoom, turn)
        frame = cv2.warpAffine(canvas, m[:2], size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        x, y = (start + velocity * t).astype(int)
        frame[y:y + side, x:x + side] = square
        mask = np.zeros((height, width), bool)
        mask[y:y + side, x:x + side] = True
        out.append(frame)
        inside.append(mask)
    for t in range(frames - 1):
        a, b = camera_matrix(t, size, zoom, turn), camera_matrix(t + 1, size, zoom, turn)
        fw = (points @ (b @ np.linalg.inv(a)).T)[..., :2] - points[..., :2]
        bw = (points @ (a @ np.linalg.inv(b)).T)[..., :2] - points[..., :2]
        fws.append(np.where(inside[t][..., None], velocity, fw).astype(np.float32))
        bws.append(np.where(inside[t + 1][..., None], -velocity, bw).astype(np.float32))
    return Clip(out, fws, bws)


def stroke_style(size: int = 384, seed: int = 1) -> np.ndarray:
    """A 'painting': short thick strokes from a small palette on a warm ground."""
    rng = np.random.default_rng(seed)
    image = np.full((size, size, 3), (230, 200, 120), np.uint8)
    palette = [(20, 40, 120), (200, 60, 30), (240, 220, 60), (30, 120, 160), (250, 250, 240)]
    for _ in range(size * 3):
        x, y = (int(v) for v in rng.integers(0, size, 2))
        angle, length = rng.uniform(0, np.pi), int(rng.integers(size // 40, size // 12))
        end = (int(x + length * np.cos(angle)), int(y + length * np.sin(angle)))
        colour = palette[int(rng.integers(len(palette)))]
        cv2.line(image, (x, y), end, colour, int(rng.integers(2, max(3, size // 80))), cv2.LINE_AA)
    return image


def mean_warping_error(outputs: list[np.ndarray], clip: Clip) -> float:
    return float(np.mean([warping_error(outputs[t], outputs[t + 1], clip.flows_bw[t],
                                        consistency_mask(clip.flows_fw[t], clip.flows_bw[t]))
                          for t in range(len(outputs) - 1)]))


@dataclass
class Run:
    name: str
    outputs: list[np.ndarray] = field(default_factory=list)
    seconds: list[tuple[float, float]] = field(default_factory=list)  # (wall, CPU)
    iterations: list[int] = field(default_factory=list)


class Renderer:
    """``effect: style`` (optimisation) on the clip, frame by frame."""

    def __init__(self, name: str, config: StyleConfig, clip: Clip, style: np.ndarray):
        size = (clip.frames[0].shape[1], clip.frames[0].shape[0])
        self.stylizer = Stylizer([(style, 1.0)], config, backbone=load_backbone())
        self.effect = StyleEffect(self.stylizer, OpenCVFlow(config.flow), frame_size=size)
        self.clip = clip
        self.run = Run(name)

    def frame(self, index: int) -> None:
        run, frames = self.run, self.clip.frames
        ctx = FrameContext(index, len(frames), run.outputs[-1] if index else None, frames[index],
                           frames[index - 1] if index else None,
                           np.random.default_rng(index), lambda i: run.outputs[i])
        wall, cpu = time.perf_counter(), time.process_time()
        run.outputs.append(self.effect.render(ctx))
        run.seconds.append((time.perf_counter() - wall, time.process_time() - cpu))
        run.iterations.append(sum(self.effect.last.iterations))
        print(f"  {run.name:11s} frame {index}: {run.seconds[-1][1]:6.1f} CPU-s  "
              f"{run.iterations[-1]:4d} it  ({self.effect.last.stopped})", flush=True)
