"""Synthetic test clips with exactly known motion, shared by the tests.

Sizes are ``(width, height)``; frames are uint8 RGB ``(H, W, 3)``; flows follow CONVENTIONS.md
(float32 (H, W, 2), dx then dy, ``flows_fw[t]`` = t -> t+1, ``flows_bw[t]`` = t+1 -> t).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class SyntheticClip:
    """Frames plus their true motion. Lists of pairs have ``len(frames) - 1`` entries."""

    frames: list[np.ndarray]
    flows_fw: list[np.ndarray]
    flows_bw: list[np.ndarray]
    disoccluded: list[np.ndarray]  # bool (H, W), frame t+1 geometry: not visible in frame t
    moving: list[np.ndarray]  # bool (H, W) per frame: pixels of the moving object


def textured_image(size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """Smooth random colour texture, uint8 (H, W, 3), with detail from ~2 px to ~32 px."""
    width, height = size
    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width, 3), np.float32)
    for cell in (32, 12, 5, 2):
        grid = rng.standard_normal((height // cell + 2, width // cell + 2, 3)).astype(np.float32)
        acc += np.sqrt(cell) * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
    lo, hi = acc.min(axis=(0, 1)), acc.max(axis=(0, 1))
    return np.rint(255 * (acc - lo) / (hi - lo)).astype(np.uint8)


def translating_clip(
    size: tuple[int, int], frames: int, shift: tuple[int, int] = (2, 1), seed: int = 0
) -> SyntheticClip:
    """A texture whose content moves by the integer ``shift = (dx, dy)`` pixels per frame."""
    width, height = size
    dx, dy = _int_pair(shift)
    travel_x, travel_y = abs(dx) * (frames - 1), abs(dy) * (frames - 1)
    canvas = textured_image((width + travel_x, height + travel_y), seed)
    x0, y0 = max(dx, 0) * (frames - 1), max(dy, 0) * (frames - 1)
    clip = [canvas[y0 - t * dy : y0 - t * dy + height, x0 - t * dx : x0 - t * dx + width].copy()
            for t in range(frames)]
    fw = _constant_flow(size, dx, dy)
    ys, xs = np.mgrid[:height, :width]
    entered = ~((xs - dx >= 0) & (xs - dx < width) & (ys - dy >= 0) & (ys - dy < height))
    pairs = frames - 1
    return SyntheticClip(
        frames=clip,
        flows_fw=[fw.copy() for _ in range(pairs)],
        flows_bw=[-fw for _ in range(pairs)],
        disoccluded=[entered.copy() for _ in range(pairs)],
        moving=[np.ones((height, width), bool) for _ in range(frames)],
    )


def moving_square_clip(
    size: tuple[int, int],
    frames: int,
    seed: int = 0,
    *,
    side: int | None = None,
    velocity: tuple[int, int] = (3, 2),
) -> SyntheticClip:
    """A static textured background with a textured square moving by ``velocity`` px/frame.

    The square's path is centred in the frame and must stay inside it.
    """
    width, height = size
    vx, vy = _int_pair(velocity)
    side = side if side is not None else min(width, height) // 3
    x0 = (width - side - vx * (frames - 1)) // 2
    y0 = (height - side - vy * (frames - 1)) // 2
    corners = [(x0 + t * vx, y0 + t * vy) for t in range(frames)]
    if any(not (0 <= x <= width - side and 0 <= y <= height - side) for x, y in corners):
        raise ValueError("the moving square leaves the frame; use fewer frames or less velocity")
    background = textured_image(size, seed)
    square = textured_image((side, side), seed + 1)
    moving = [_box_mask(size, x, y, side) for x, y in corners]
    clip = []
    for x, y in corners:
        frame = background.copy()
        frame[y : y + side, x : x + side] = square
        clip.append(frame)
    step = _constant_flow(size, vx, vy)
    return SyntheticClip(
        frames=clip,
        flows_fw=[step * moving[t][..., None] for t in range(frames - 1)],
        flows_bw=[-step * moving[t + 1][..., None] for t in range(frames - 1)],
        disoccluded=[moving[t] & ~moving[t + 1] for t in range(frames - 1)],
        moving=moving,
    )


def _box_mask(size: tuple[int, int], x: int, y: int, side: int) -> np.ndarray:
    mask = np.zeros((size[1], size[0]), bool)
    mask[y : y + side, x : x + side] = True
    return mask


def _constant_flow(size: tuple[int, int], dx: float, dy: float) -> np.ndarray:
    flow = np.empty((size[1], size[0], 2), np.float32)
    flow[..., 0], flow[..., 1] = dx, dy
    return flow


def _int_pair(pair: tuple[int, int]) -> tuple[int, int]:
    if any(int(v) != v for v in pair):
        raise ValueError(f"motion must be whole pixels, got {pair}")
    return int(pair[0]), int(pair[1])


def tiny_classifier():
    """A small random-weight network with a 10-class softmax head and a fixed 32x32 input: it
    stands in for vgg19 / inception_v3, whose ImageNet weights are not on this machine."""
    from dreamvideo._tf import tf
    from dreamvideo.backbone.models import Backbone

    tf.keras.utils.set_random_seed(0)
    inputs = tf.keras.Input((32, 32, 3))
    conv = tf.keras.layers.Conv2D(8, 3, activation="relu", name="conv")(inputs)
    pool = tf.keras.layers.GlobalAveragePooling2D(name="pool")(conv)
    predictions = tf.keras.layers.Dense(10, activation="softmax", name="predictions")(pool)
    return Backbone("tiny", inputs, {"conv": conv, "pool": pool, "predictions": predictions},
                    lambda rgb: rgb / 127.5 - 1.0, lambda x: (x + 1.0) * 127.5,
                    class_layer="predictions", labels=tuple(f"thing{i}" for i in range(10)))


# ----- a realistic camera clip -------------------------------------------------------------------

@dataclass(frozen=True)
class Camera:
    """A smooth camera path over a still: per frame, zoom in (``zoom`` per frame, relative),
    roll by ``rotation`` degrees and pan by ``pan`` px (sub-pixel), all about the frame centre."""

    zoom: float = 0.008
    rotation: float = 0.5
    pan: tuple[float, float] = (2.3, 0.7)

    def to_canvas(self, t: int, size: tuple[int, int], canvas: tuple[int, int]) -> np.ndarray:
        """3x3 matrix: frame-t pixel (x, y, 1) -> canvas pixel (sizes scale pan with width/320)."""
        unit = size[0] / 320
        s = 1.0 / (1.0 + self.zoom * t)
        a = np.deg2rad(self.rotation * t)
        c = np.array([(size[0] - 1) / 2, (size[1] - 1) / 2])
        cc = np.array([(canvas[0] - 1) / 2, (canvas[1] - 1) / 2])
        rot = s * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        shift = cc + unit * t * np.array(self.pan) - rot @ c
        return np.vstack([np.hstack([rot, shift[:, None]]), [0, 0, 1]])


@dataclass(frozen=True)
class Sprite:
    """A textured ellipse moving in screen space by ``velocity`` px/frame (x width / 320)."""

    start: tuple[float, float]  # centre at frame 0, as fractions of (width, height)
    velocity: tuple[float, float]
    radii: tuple[float, float]  # as fractions of the height
    seed: int
    image: np.ndarray | None = None  # a photograph to show instead of the tinted texture


def photo_like(size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """A photo-like still: sky-to-ground gradient, a hilly horizon, 1/f texture from ~2 px to a
    quarter of the frame, and hard-edged shapes with texture of their own. uint8 RGB."""
    width, height = size
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    hills = 0.08 * np.sin(xs / width * 7 + seed) + 0.04 * np.sin(xs / width * 23)
    horizon = height * (0.45 + hills)
    sky = np.stack([110 + 60 * ys / height, 150 + 40 * ys / height, 225 - 20 * ys / height], -1)
    ground = np.stack([90 + 40 * (ys / height), 110 - 30 * (ys / height), 50 + 0 * ys], -1)
    image = np.where((ys > horizon)[..., None], ground, sky)
    acc = np.zeros((height, width, 3), np.float32)
    for cell in (max(4, height // 4), 24, 9, 4, 2):
        grid = rng.standard_normal((height // cell + 2, width // cell + 2, 3)).astype(np.float32)
        acc += cell ** 0.6 * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
    acc = 0.7 * acc.mean(axis=2, keepdims=True) + 0.3 * acc  # mostly luminance, like a photo
    image += 40 * acc / acc.std()
    for _ in range(max(6, width // 60)):
        colour = rng.uniform(30, 230, 3)
        mask = np.zeros((height, width), np.uint8)
        centre = (int(rng.integers(0, width)), int(rng.integers(height // 3, height)))
        if rng.random() < 0.5:
            cv2.circle(mask, centre, int(rng.integers(height // 16, height // 6)), 1, -1)
        else:
            side = int(rng.integers(height // 12, height // 4))
            cv2.rectangle(mask, centre, (centre[0] + side, centre[1] + side // 2), 1, -1)
        inside = mask.astype(bool)[..., None]
        image = np.where(inside, 0.5 * image + 0.5 * colour + 0.3 * 40 * acc / acc.std(), image)
    return np.clip(image, 0, 255).astype(np.uint8)


REALISTIC_SPRITES = (Sprite((0.12, 0.55), (4.3, -0.55), (0.2, 0.15), 11),
                     Sprite((0.75, 0.2), (-1.9, 2.6), (0.11, 0.11), 12))


def camera_clip(size: tuple[int, int], frames: int, seed: int = 0, *, camera: Camera = Camera(),
                sprites: tuple[Sprite, ...] = REALISTIC_SPRITES, lighting: float = 0.04,
                noise: float = 0.0, background: np.ndarray | None = None) -> SyntheticClip:
    """A camera moving smoothly over a photo-like still (zoom, roll, sub-pixel pan; by default
    per frame 0.8 % zoom, 0.5 degree roll, 0.7 % of the width pan) with textured
    objects moving across it (occlusion and disocclusion, also of each other), under lighting
    that brightens and warms by ``lighting`` over the clip, plus Gaussian sensor noise of std
    ``noise`` grey levels. Flows and disocclusions are exact (the objects' edges are
    anti-aliased over about a pixel; a pixel belongs to an object where its coverage is > 0.5).
    ``background``: a photograph (uint8 RGB) scaled to cover the camera's canvas instead of the
    photo-like still."""
    width, height = size
    unit = width / 320
    canvas_size = _canvas_size(size, frames, camera)
    canvas = (photo_like(canvas_size, seed) if background is None
              else cover(background, canvas_size)).astype(np.float32)
    to_canvas = [camera.to_canvas(t, size, canvas_size) for t in range(frames)]
    rng = np.random.default_rng(seed + 99)
    frames_out, owners = [], []
    for t in range(frames):
        image = cv2.warpAffine(canvas, to_canvas[t][:2], size,
                               flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT)
        owner = np.zeros((height, width), np.int8)
        for k, sprite in enumerate(sprites, 1):
            texture, alpha = _sprite_layer(sprite, t, size)
            image = alpha[..., None] * texture + (1 - alpha[..., None]) * image
            owner[alpha > 0.5] = k
        gain = 1 + lighting * t / max(frames - 1, 1) * np.array([1.0, 0.8, 0.5])
        image = image * gain + (rng.normal(0, noise, image.shape) if noise else 0)
        frames_out.append(np.clip(np.rint(image), 0, 255).astype(np.uint8))
        owners.append(owner)
    velocities = [np.zeros(2)] + [unit * np.array(s.velocity) for s in sprites]
    fw, bw, disoccluded = [], [], []
    for t in range(frames - 1):
        fw.append(_layered_flow(to_canvas[t], to_canvas[t + 1], owners[t], velocities))
        back = _layered_flow(to_canvas[t + 1], to_canvas[t], owners[t + 1],
                             [-v for v in velocities])
        bw.append(back)
        disoccluded.append(_disoccluded(back, owners[t], owners[t + 1]))
    return SyntheticClip(frames_out, fw, bw, disoccluded, [o > 0 for o in owners])


def _canvas_size(size: tuple[int, int], frames: int, camera: Camera) -> tuple[int, int]:
    unit = size[0] / 320
    margin = int(0.25 * max(size) + unit * frames * (1 + max(map(abs, camera.pan))))
    return size[0] + 2 * margin, size[1] + 2 * margin


def camera_flow(size: tuple[int, int], frames: int, a: int, b: int, *,
                camera: Camera = Camera()) -> np.ndarray:
    """The camera's own flow from frame a to frame b of ``camera_clip(size, frames)`` (what
    the still background does, also where an object hides it), any distance apart."""
    canvas = _canvas_size(size, frames, camera)
    return _layered_flow(camera.to_canvas(a, size, canvas), camera.to_canvas(b, size, canvas),
                         np.zeros(size[::-1], np.int8), [np.zeros(2)])


def _sprite_layer(sprite: Sprite, t: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The sprite's texture and anti-aliased coverage (float32) at frame t, in frame geometry."""
    width, height = size
    unit = width / 320
    cx = sprite.start[0] * width + unit * sprite.velocity[0] * t
    cy = sprite.start[1] * height + unit * sprite.velocity[1] * t
    rx, ry = sprite.radii[0] * height, sprite.radii[1] * height
    side = int(2 * max(rx, ry)) + 4
    if sprite.image is not None:
        texture = cover(sprite.image, (side, side)).astype(np.float32)
    else:
        texture = textured_image((side, side), sprite.seed).astype(np.float32)
        texture = 0.6 * texture + 0.4 * np.array([255, 80, 40] if sprite.seed % 2 else [40, 90, 255])
    ys, xs = np.mgrid[:side, :side].astype(np.float32) - (side - 1) / 2
    radius = np.sqrt((xs / rx) ** 2 + (ys / ry) ** 2)
    alpha = np.clip((1 - radius) * min(rx, ry) + 0.5, 0, 1).astype(np.float32)
    move = np.float32([[1, 0, cx - (side - 1) / 2], [0, 1, cy - (side - 1) / 2]])
    out = [cv2.warpAffine(layer, move, size, flags=cv2.INTER_LINEAR) for layer in (texture, alpha)]
    return out[0], out[1]


def cover(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled (area or cubic) to cover ``size`` (width, height), centre-cropped."""
    height, width = image.shape[:2]
    scale = max(size[0] / width, size[1] / height)
    scaled = (max(size[0], round(width * scale)), max(size[1], round(height * scale)))
    resized = cv2.resize(image, scaled, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    x, y = (scaled[0] - size[0]) // 2, (scaled[1] - size[1]) // 2
    return np.ascontiguousarray(resized[y:y + size[1], x:x + size[0]])


def _layered_flow(a_to_canvas, b_to_canvas, owner, velocities) -> np.ndarray:
    """Flow from frame a to b: the object velocity where an object owns the pixel in a, the
    camera's motion elsewhere."""
    height, width = owner.shape
    ys, xs = np.mgrid[:height, :width].astype(np.float64)
    points = np.stack([xs, ys, np.ones_like(xs)], -1) @ (np.linalg.inv(b_to_canvas) @ a_to_canvas).T
    flow = (points[..., :2] - np.stack([xs, ys], -1)).astype(np.float32)
    for k in range(1, len(velocities)):
        flow[owner == k] = velocities[k]
    return flow


def _disoccluded(flow_bw: np.ndarray, owner_a: np.ndarray, owner_b: np.ndarray) -> np.ndarray:
    """Pixels of frame b (t+1) with no match in frame a: the source lies outside frame a or
    belongs to another layer there."""
    height, width = owner_b.shape
    ys, xs = np.mgrid[:height, :width]
    sx, sy = np.rint(xs + flow_bw[..., 0]).astype(int), np.rint(ys + flow_bw[..., 1]).astype(int)
    inside = (sx >= 0) & (sx < width) & (sy >= 0) & (sy < height)
    source_owner = owner_a[np.clip(sy, 0, height - 1), np.clip(sx, 0, width - 1)]
    return ~inside | (source_owner != owner_b)
