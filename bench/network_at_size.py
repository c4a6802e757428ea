"""Does a style network paint a region of a 1080p frame as it paints that region alone, at the
size it was trained on? (issue 19 at the real size; docs/design/fast-style.md, "Norms over a
window".)

    python bench/network_at_size.py NET.keras [NET2.keras ...] [--work bench/out/production]
        [--frames 0 99] [--crop 256] [--emulate 256]

For each network and each frame of the production shot (``bench_production_shot.py``'s cache:
the frames as the engine saw them), the network runs on the whole 1920x1080 frame and on
``--crop``-px windows of it on a grid (the view a training step has: a crop of that size, at the
same scale). Printed per network:

- ``context``: mean CIELAB distance (Delta E after a 4-px blur: colours and light, not the
  strokes) between the window's output alone and the same window cut from the whole frame's
  output, inside a margin of 32 px (the window's own borders aside): how much the rest of the
  frame changes what the network paints in a place;
- ``colour``: mean CIELAB distance (Delta E, 4-px blur) of the whole frame's output to the
  input, and of the windows' outputs to theirs (``colour_distance`` of the stability bench);
- ``luma corr.``: correlation of the blurred luma of output and input, whole frame.

``--emulate W`` adds, for each network saved with whole-image statistics, the same weights run
with its norms over a W-px window (``Architecture.norm_window``), untrained for it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_network_stability import blurred_correlation, colour_distance  # noqa: E402

MARGIN = 32


def windows(shape: tuple[int, int], crop: int) -> list[tuple[slice, slice]]:
    """Non-overlapping ``crop`` windows on a grid over the frame."""
    height, width = shape
    return [(slice(y, y + crop), slice(x, x + crop))
            for y in range(0, height - crop + 1, crop) for x in range(0, width - crop + 1, crop)]


def score(network, frame: np.ndarray, crop: int) -> dict:
    whole = network.stylize(frame)
    context, alone_colour = [], []
    for window in windows(frame.shape[:2], crop):
        alone = network.stylize(np.ascontiguousarray(frame[window]))
        inner = (slice(MARGIN, -MARGIN), slice(MARGIN, -MARGIN))
        context.append(colour_distance(alone[inner], whole[window][inner]))
        alone_colour.append(colour_distance(alone, frame[window]))
    return {"context": float(np.mean(context)), "colour": colour_distance(whole, frame),
            "colour_alone": float(np.mean(alone_colour)), "luma_corr": blurred_correlation(whole, frame),
            "whole": whole}


def networks(paths: list[Path], emulate: int | None):
    from dreamvideo.style.network import (Architecture, StyleNetwork, build_transform_net, load_network,
                                          read_metadata)

    for path in paths:
        network = load_network(path)
        yield path.name, network
        arch = Architecture.from_dict(read_metadata(path)["architecture"])
        if emulate and arch.norm_window == 0:
            model = build_transform_net(replace(arch, norm_window=emulate))
            model.set_weights(network.model.get_weights())
            yield f"{path.name}, norms over {emulate} px (emulated)", StyleNetwork(model, network.metadata)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("networks", type=Path, nargs="+")
    parser.add_argument("--work", type=Path, default=HERE / "out" / "production")
    parser.add_argument("--frames", type=int, nargs="+", default=[0, 99])
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--emulate", type=int)
    parser.add_argument("--sheet", type=Path, help="PNG: 100 %% crops of the last frame, input then each network")
    args = parser.parse_args(argv)

    from production_shot_measures import Shot, crop_at

    shot = Shot(args.work)
    frames = {index: np.asarray(shot.source.frame(index)) for index in args.frames}
    tiles = [crop_at(frames[args.frames[-1]], (0.45, 0.45))]
    for name, network in networks(args.networks, args.emulate):
        rows = {index: score(network, frame, args.crop) for index, frame in frames.items()}
        mean = {key: float(np.mean([row[key] for row in rows.values()]))
                for key in ("context", "colour", "colour_alone", "luma_corr")}
        print(f"{name}: context dE {mean['context']:.1f}, colour dE whole frame {mean['colour']:.1f} "
              f"(windows alone {mean['colour_alone']:.1f}), luma corr. {mean['luma_corr']:.3f}", flush=True)
        tiles.append(crop_at(rows[args.frames[-1]]["whole"], (0.45, 0.45)))
    if args.sheet:
        cv2.imwrite(str(args.sheet), cv2.cvtColor(np.concatenate(tiles, axis=1), cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
