"""Training a style network on the frames it will stylise (``dreamvideo train-style``).

Each step takes ``batch`` random crops of consecutive frame pairs (a, b) from the content
(:mod:`.content`), runs the transform network on a, b and b plus noise, and minimises

- the project's Gatys criterion on the output of b — the same :func:`.losses.style_terms`
  (content, style Grams, TV) with the same weights, layers, ``scale`` and style-image targets as
  optimisation-based ``effect: style`` (a :class:`.stylizer.Stylizer` provides them), except that
  the style weight is ``style_boost`` times the preset's: a small network cannot reach the
  optimiser's point on both terms, and chooses where it falls short by this balance. 0.4 (with
  the network seeing the frame's level, ``Architecture.first_norm`` off, ``photometric`` jitter
  on half the steps and the coarse-colour term below): the default 2000 steps keep the content
  within 1.5x the optimiser's content loss on photographs (2 and 1 bought style by re-colouring
  the content: 1.8-2.6x; 0.5 without the colour term sat on the 1.5x line); see
  docs/design/fast-style.md;
- its temporal term on the *outputs* (ReCoNet): the output of a warped into b by the flow
  between the input frames, held to the output of b where the consistency mask is on, with the
  training's own ``temporal_weight`` (the preset's is the blend at render time, see
  :mod:`dreamvideo.effects.style_network`);
- a noise-stability term: ``noise_weight * mean(((net(b + n) - net(b)) / 255)^2)``, n Gaussian
  with ``noise_sigma`` pixel levels, so small input changes (grain, compression) do not flicker;
- a coarse-colour term: ``colour_weight * mean(((G(chroma(net(b))) - G(chroma(b))) / 255)^2)``,
  G a Gaussian of ``colour_sigma`` px and chroma the (Cr, Cb) of BT.601, so the content's colours
  stay where they were at a coarse scale while the strokes keep their own hues (the Gatys terms
  alone let some trainings re-colour the content: see docs/design/fast-style.md).

Keras's Adam on the network's weights. Everything random is drawn from ``(seed, step)``, weights
start from ``seed``, and TensorFlow runs deterministic ops: a checkpoint (every
``checkpoint_every`` steps and on Ctrl-C) holds the weights, Adam's state and the step, so a
re-run continues to the very network an uninterrupted run makes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .._tf import tf
from ..config import value_at
from ..errors import Interrupted, UserError
from .content import Batch, Pair, colour_jitter, photometric, sample_batch
from .images import RGB_TO_YCRCB
from .losses import Evaluation
from .network import Architecture, build_transform_net, run_network, save_network
from .stylizer import Stylizer

import keras  # noqa: E402  (Keras 3, as tf.keras is)


@dataclass(frozen=True)
class TrainSettings:
    size: int = 256
    steps: int = 2000
    batch: int = 1
    seed: int = 0
    learning_rate: float = 2e-3  # Adam's, decayed along a cosine to final_rate x it at the last step
    final_rate: float = 0.05
    style_boost: float = 0.4  # the style term's weight in training is the preset's x this
    temporal_weight: float = 20.0  # the output-level temporal term's (not the preset's blend)
    noise_weight: float = 10.0
    noise_sigma: float = 8.0
    colour_weight: float = 30.0  # the coarse-colour term's weight (0: off; see docs/design/fast-style.md)
    colour_sigma: float = 4.0  # its Gaussian, px at the training size
    photometric: float = 0.5  # share of steps whose frames get a random contrast and gamma (content.photometric)
    colour_jitter: float = 0.0  # share of steps whose chroma is turned and scaled (content.colour_jitter)
    checkpoint_every: int = 20
    architecture: Architecture | None = None  # None: the measured default, its norms' window the crop

    @property
    def network_architecture(self) -> Architecture:
        """The transform network's architecture: as given, or the default with its norms over a
        window of ``size`` (a network paints a 1080p frame as it painted its training crops)."""
        return self.architecture or Architecture(norm_window=self.size)


class TrainingStopped(Interrupted):
    """Ctrl-C during training: the checkpoint is saved, a re-run continues."""

    def __init__(self, step: int, total: int, checkpoint: Path):
        Exception.__init__(self, f"training stopped at step {step}/{total}; run the same command "
                                 f"again to continue (checkpoint: {checkpoint})")


def coarse_chroma(images: tf.Tensor, sigma: float) -> tf.Tensor:
    """The (Cr, Cb) planes of (B, H, W, 3) RGB images (BT.601, without the 128 offset) under a
    separable Gaussian of ``sigma`` px (edges reflected), (B, H, W, 2)."""
    chroma = tf.tensordot(images, tf.constant(RGB_TO_YCRCB[1:].T), axes=1)
    radius = max(1, int(round(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = tf.constant((taps / taps.sum()).astype(np.float32))
    padded = tf.pad(chroma, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    rows = tf.nn.depthwise_conv2d(padded, tf.tile(taps[:, None, None, None], [1, 1, 2, 1]),
                                  [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(rows, tf.tile(taps[None, :, None, None], [1, 1, 2, 1]),
                                  [1, 1, 1, 1], "VALID")


def colour_distance(out: tf.Tensor, content: tf.Tensor, sigma: float) -> tf.Tensor:
    """Mean squared difference of the coarse chroma (:func:`coarse_chroma`), in (levels/255)^2."""
    return tf.reduce_mean(tf.square((coarse_chroma(out, sigma) - coarse_chroma(content, sigma)) / 255.0))


def warp_tf(images: tf.Tensor, flow: tf.Tensor) -> tf.Tensor:
    """Bilinear backward warp of (B, H, W, C) by (B, H, W, 2) (dx, dy), differentiable in
    ``images``; samples outside are clamped to the edge (like :func:`dreamvideo.motion.flow.warp`)."""
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    ys, xs = tf.meshgrid(tf.range(height), tf.range(width), indexing="ij")
    x = tf.clip_by_value(tf.cast(xs, tf.float32)[None] + flow[..., 0], 0.0, tf.cast(width - 1, tf.float32))
    y = tf.clip_by_value(tf.cast(ys, tf.float32)[None] + flow[..., 1], 0.0, tf.cast(height - 1, tf.float32))
    x0, y0 = tf.floor(x), tf.floor(y)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    x0i, y0i = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
    x1i, y1i = tf.minimum(x0i + 1, width - 1), tf.minimum(y0i + 1, height - 1)

    def at(yi, xi):
        return tf.gather_nd(images, tf.stack([yi, xi], axis=-1), batch_dims=1)

    top = at(y0i, x0i) * (1 - fx) + at(y0i, x1i) * fx
    bottom = at(y1i, x0i) * (1 - fx) + at(y1i, x1i) * fx
    return top * (1 - fy) + bottom * fy


class Trainer:
    """The transform network, its Adam state and the compiled training step."""

    def __init__(self, stylizer: Stylizer, settings: TrainSettings, *, frame: int = 0,
                 network_dtype: str = "float32"):
        """``network_dtype``: the transform network's arithmetic (``"mixed_bfloat16"`` was
        measured for ``bench/fast_style_variants.py --net-dtype`` and not kept)."""
        self.settings = settings
        self.stylizer = stylizer
        keras.utils.set_random_seed(settings.seed)
        self.model = build_transform_net(settings.network_architecture, dtype=network_dtype)
        self.variables = self.model.trainable_variables
        rate = keras.optimizers.schedules.CosineDecay(settings.learning_rate, max(1, settings.steps),
                                                      alpha=settings.final_rate)
        self.optimizer = keras.optimizers.Adam(rate)
        self.optimizer.build(self.variables)
        self.step = 0
        backbone = stylizer.backbone
        self._content_layers = tuple(stylizer.terms["content"].layers)
        self._extractor = backbone.extractor(sorted(stylizer.criterion.layers))
        self._content_extractor = backbone.extractor(self._content_layers)
        config = stylizer.config
        self._weights = {f"{n}_weight": tf.constant(value_at(getattr(config, f"{n}_weight"), frame),
                                                    tf.float32) for n in stylizer.terms}
        self._weights["style_weight"] = self._weights["style_weight"] * settings.style_boost
        self._weights["temporal_weight"] = tf.constant(settings.temporal_weight, tf.float32)
        self._weights["temporal_fine_weight"] = tf.constant(0.0, tf.float32)  # the optimiser's only
        self._grams = dict(stylizer.grams(1.0))
        self._train_step = tf.function(self._train_step_py)
        self._losses = tf.function(self._losses_py)

    # -- the criterion

    def _losses_py(self, a, b, flow_ba, mask, noise):
        """(Gatys + temporal criterion, noise term, coarse-colour term) for one batch; outputs
        of a, b, b+n."""
        count = tf.shape(a)[0]
        out = run_network(self.model, tf.concat([a, b, tf.clip_by_value(b + noise, 0.0, 255.0)], 0),
                          training=True)
        out_a, out_b, out_n = out[:count], out[count:2 * count], out[2 * count:]
        content = self._content_extractor(b)
        inputs = {f"content/{n}": tf.stop_gradient(content[n]) for n in self._content_layers}
        inputs.update({f"gram/{n}": g for n, g in self._grams.items()})
        inputs.update(self._weights)
        inputs.update({"warped": warp_tf(out_a, flow_ba), "mask": mask})
        criterion = self.stylizer.criterion(Evaluation(out_b, self._extractor(out_b), inputs))
        stability = tf.reduce_mean(tf.square((out_n - out_b) / 255.0))
        return criterion, stability, self._colour_term(out_b, b)

    def _colour_term(self, out: tf.Tensor, content: tf.Tensor) -> tf.Tensor:
        if self.settings.colour_weight == 0:
            return tf.constant(0.0, tf.float32)
        return colour_distance(out, content, self.settings.colour_sigma)

    def _total(self, criterion, stability, colour):
        return (criterion + self.settings.noise_weight * stability
                + self.settings.colour_weight * colour)

    def _train_step_py(self, a, b, flow_ba, mask, noise):
        with tf.GradientTape() as tape:
            total = self._total(*self._losses_py(a, b, flow_ba, mask, noise))
        self.optimizer.apply_gradients(zip(tape.gradient(total, self.variables), self.variables))
        return total

    # -- steps, batches, evaluation

    def batch(self, pairs: Sequence[Pair], step: int) -> tuple[Batch, np.ndarray]:
        """The batch and input noise of ``step`` (drawn from (seed, step) only)."""
        rng = np.random.default_rng([self.settings.seed, step])
        batch = sample_batch(list(pairs), rng, size=self.settings.size, batch=self.settings.batch)
        noise = rng.normal(0.0, self.settings.noise_sigma, batch.b.shape).astype(np.float32)
        batch = photometric(batch, rng, self.settings.photometric)
        return colour_jitter(batch, rng, self.settings.colour_jitter), noise

    def train_step(self, pairs: Sequence[Pair]) -> float:
        batch, noise = self.batch(pairs, self.step)
        self.step += 1
        loss = self._train_step(batch.a, batch.b, batch.flow_ba, batch.mask, noise)
        return float(loss)

    def loss(self, batch: Batch, noise: np.ndarray) -> float:
        """The full training loss of a fixed batch (for tests and reports)."""
        return float(self._total(*self._losses(batch.a, batch.b, batch.flow_ba, batch.mask, noise)))

    def colour_error(self, batch: Batch) -> float:
        """The coarse-colour term's value on ``batch.b`` (whatever its weight)."""
        content = tf.constant(batch.b)
        out = run_network(self.model, content, training=False)
        return float(colour_distance(out, content, self.settings.colour_sigma))

    # -- checkpoints

    def _state(self) -> list:
        """Everything a continued run needs: the weights and Adam's state (moments, iterations)."""
        return [*self.variables, *self.optimizer.variables]

    def save_checkpoint(self, path: Path, fingerprint: str) -> None:
        arrays = {"step": np.array(self.step), "fingerprint": np.array(fingerprint)}
        arrays.update({f"s{i}": np.asarray(var.numpy()) for i, var in enumerate(self._state())})
        partial = path.with_name(f".{path.name}.partial.npz")
        np.savez(partial, **arrays)
        partial.replace(path)

    def load_checkpoint(self, path: Path, fingerprint: str) -> None:
        with np.load(path) as data:
            if str(data["fingerprint"]) != fingerprint:
                raise UserError(f"{path} is the checkpoint of a training with other settings; "
                                "delete it to start over, or run with the settings it was made with")
            for i, var in enumerate(self._state()):
                var.assign(data[f"s{i}"])
            self.step = int(data["step"])


def checkpoint_path(output: Path) -> Path:
    return Path(output).with_name(Path(output).name + ".ckpt.npz")


def fingerprint(metadata: dict, content: str) -> str:
    """What makes two trainings the same one (the step count may change between runs)."""
    same = {k: v for k, v in metadata.items() if k != "training"}
    same["training"] = {k: v for k, v in metadata["training"].items() if k != "steps"}
    return json.dumps({"metadata": same, "content": content}, sort_keys=True)


def train(trainer: Trainer, pairs: Sequence[Pair], output: Path, metadata: dict, *,
          content: str, progress=None, on_step: Callable[[int], None] | None = None) -> Path:
    """Train to ``trainer.settings.steps`` (continuing a checkpoint), then write ``output``.

    ``on_step(step)`` runs after each step (tests use it to simulate Ctrl-C)."""
    settings, ckpt = trainer.settings, checkpoint_path(output)
    key = fingerprint(metadata, content)
    if ckpt.exists():
        trainer.load_checkpoint(ckpt, key)
    if progress is not None:
        progress.start(settings.steps, min(trainer.step, settings.steps), stage="train", unit="step")
    report_every = max(1, settings.steps // 10)
    try:
        while trainer.step < settings.steps:
            loss = trainer.train_step(pairs)
            if progress is not None:
                progress.update(trainer.step, stage="train")
                if trainer.step % report_every == 0:
                    progress.message(f"step {trainer.step}: loss {loss:.4g}")
            if trainer.step % settings.checkpoint_every == 0:
                trainer.save_checkpoint(ckpt, key)
            if on_step is not None:
                on_step(trainer.step)
    except KeyboardInterrupt:
        trainer.save_checkpoint(ckpt, key)
        raise TrainingStopped(trainer.step, settings.steps, ckpt) from None
    save_network(output, trainer.model, metadata)
    ckpt.unlink(missing_ok=True)
    if progress is not None:
        progress.finish(str(output))
    return Path(output)


def settings_dict(settings: TrainSettings) -> dict:
    data = asdict(settings)
    data.pop("architecture")
    data.pop("checkpoint_every")
    return data
