"""Why dreams settle into stripes (issue 8), and whether ``dream.views`` stops it: a still dreamt
again and again (the camera still, no zoom controls: only the dream's feedback).

    python bench/isotropy.py [--preset presets/quickstart.yaml] [--size 160x96] [--frames 80]
        [--seeds 1 2] [--variants none mirrored flip rotate] [--sheet out.png]

Each frame dreams the previous one ``dream.steps`` steps (the first ``first_frame_steps``), from
the preset's noise source, seeded per frame like the engine. Variants: ``none`` (the network
sees the frame as it is), ``mirrored`` (the network sees every tile mirrored left-right,
everything else — roll, tiles, normalisation — unchanged: if the stripes' angle mirrors too,
the preference is the network's), ``flip`` and ``rotate`` (``dream.views``). Prints per run the
anisotropy (dreamvideo/zoom/metrics.py; 0 = every orientation alike, 1 = stripes) every 10
frames, and at the end the stripes' angle (degrees, image y down: + runs down to the right) and
the second estimator (structure-tensor orientation order).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from dreamvideo._tf import tf
from dreamvideo.components.networks import dreamer_for
from dreamvideo.config import load_preset, value_at
from dreamvideo.dreaming.dreamer import DreamSettings, Dreamer
from dreamvideo.videoio import NoiseSource
from dreamvideo.zoom.metrics import anisotropy, orientation_order, stripe_angle

sys.path.insert(0, str(Path(__file__).parent))
from contact_sheet import contact_sheet, write_png  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class MirroredNetwork(Dreamer):
    """The network sees every tile mirrored left-right (its gradient comes back mirrored)."""

    def _tile_gradient(self, image, window):
        with tf.GradientTape() as tape:
            tape.watch(image)
            score = self.objective(self.extractor(tf.reverse(image, [1])[None]), window)
        return tape.gradient(score, image), score


def settle(dreamer: Dreamer, settings: DreamSettings, first: DreamSettings, seed: int,
           size: tuple[int, int], frames: int) -> list[np.ndarray]:
    image = next(NoiseSource(seed, size).frames()).astype(np.float32)
    out = []
    for index in range(frames):
        image = dreamer.dream(image, settings if index else first, np.random.default_rng([seed, index]))
        out.append(np.clip(image, 0, 255).astype(np.uint8))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", type=Path, default=ROOT / "presets" / "quickstart.yaml")
    parser.add_argument("--size", default="160x96")
    parser.add_argument("--frames", type=int, default=80)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--variants", nargs="+", default=["none", "mirrored", "flip", "rotate"])
    parser.add_argument("--sheet", type=Path, help="PNG of every run's last frame")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    preset = load_preset(args.preset)
    plain = dreamer_for(preset)
    mirrored = MirroredNetwork(plain.extractor.backbone, plain.objective)
    base = DreamSettings.from_config(preset.dream, value_at(preset.dream.step_size, 0))
    last = {}
    for variant in args.variants:
        dreamer = mirrored if variant == "mirrored" else plain
        settings = base.model_copy(update={"views": "none" if variant == "mirrored" else variant})
        for seed in args.seeds:
            frames = settle(dreamer, settings, settings.for_first_frame(), seed, size, args.frames)
            final = frames[-1]
            series = " ".join(f"{anisotropy(frames[i]):.2f}" for i in range(9, args.frames, 10))
            print(f"{variant:8s} seed {seed}: anisotropy every 10 frames {series} | last: angle "
                  f"{stripe_angle(final):+.0f}, order {orientation_order(final):.2f}", flush=True)
            last[len(last)] = final
            if args.sheet:
                write_png(args.sheet, contact_sheet(last, columns=len(args.seeds), width=size[0],
                                                    title=f"{args.preset.stem}: last frames, rows "
                                                          f"{', '.join(args.variants)}"))


if __name__ == "__main__":
    main()
