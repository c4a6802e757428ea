"""Measures of the production shot (``bench/bench_production_shot.py measure``): warping error
along the Vector pass's exact motion with its floor, the network alone as the independent
render, sharpness over the shot, and the sheet with 100 % crops."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from dreamvideo.components.sources import source_for
from dreamvideo.config import load_preset
from dreamvideo.effects import style_network
from dreamvideo.effects.base import FrameContext
from dreamvideo.motion.flow import depth_reliability, warping_error
from dreamvideo.videoio import list_frame_files, read_image

EDGE_FRAMES = 10  # sharpness: the last this many frames over the first this many
CROP = (480, 270)  # 100 % crops, (w, h)
SHEET_BYTES = 300_000


def sharpness(frame: np.ndarray) -> float:
    """Mean |Laplacian| of the grey frame (``style_measures.sharpness``, one frame)."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F)).mean())


class Shot:
    """The shot as the engine saw it (its job.json) and what it made."""

    def __init__(self, work: Path) -> None:
        stages = json.loads((work / "stages.json").read_text())
        self.stages = stages
        self.job = Path(stages["stylise"]["job"])
        self.preset = load_preset(self.job)
        self.source = source_for(self.preset)
        self.outputs = list_frame_files(stages["stylise"]["output"], (".png",))
        if len(self.outputs) != self.source.frame_count:
            raise SystemExit(f"{len(self.outputs)} stylised frames for {self.source.frame_count} EXRs")

    def output(self, index: int) -> np.ndarray:
        return read_image(self.outputs[index])

    def motion(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Backward flow t+1 -> t from the Vector pass, and the exact reliability (Depth)."""
        fw, bw = self.source.flow_pair(t)
        return bw, depth_reliability(fw, bw, self.source.depth(t), self.source.depth(t + 1))

    def independent(self, count: int) -> dict[int, np.ndarray]:
        """The network on each of the first and the last ``count`` frames alone (no flow
        blend): the independent render at both ends of the shot."""
        effect = style_network.build(self.preset, self.source, frame_size=self.source.size)
        total = self.source.frame_count
        frames: dict[int, np.ndarray] = {}
        for index in sorted(set(range(min(count, total))) | set(range(max(0, total - count), total))):
            ctx = FrameContext(index, total, None, self.source.frame(index), None,
                               np.random.default_rng(index), lambda i: frames[i])
            frames[index] = effect.render(ctx)
        return frames


def warping_errors(shot: Shot, independent: dict[int, np.ndarray]) -> dict:
    """Mean warping error per run over all pairs (network, input) and over the pairs the
    independent render covers (network, input, independent; and per end of the shot)."""
    total = shot.source.frame_count
    per_pair = {"network": [], "input": [], "independent": []}
    covered_pairs, mask_share = [], []
    frame_a, out_a = shot.source.frame(0), shot.output(0)
    for t in range(total - 1):
        frame_b, out_b = shot.source.frame(t + 1), shot.output(t + 1)
        bw, mask = shot.motion(t)
        mask_share.append(float(mask.mean()))
        per_pair["network"].append(warping_error(out_a, out_b, bw, mask))
        per_pair["input"].append(warping_error(frame_a, frame_b, bw, mask))
        if t in independent and t + 1 in independent:
            per_pair["independent"].append(warping_error(independent[t], independent[t + 1], bw, mask))
            covered_pairs.append(t)
        frame_a, out_a = frame_b, out_b
    result = {
        "pairs": total - 1, "mask_share": float(np.mean(mask_share)),
        "all_pairs": {k: float(np.mean(v)) for k, v in per_pair.items() if k != "independent"},
        "per_pair_network": per_pair["network"], "per_pair_input": per_pair["input"],
        "independent_pairs": covered_pairs,
    }
    halves = {"start": [i for i, t in enumerate(covered_pairs) if t < total // 2],
              "end": [i for i, t in enumerate(covered_pairs) if t >= total // 2]}
    for name, slots in (("covered", list(range(len(covered_pairs)))), *halves.items()):
        if not slots:
            continue
        pairs = [covered_pairs[i] for i in slots]
        means = {"network": float(np.mean([per_pair["network"][t] for t in pairs])),
                 "input": float(np.mean([per_pair["input"][t] for t in pairs])),
                 "independent": float(np.mean([per_pair["independent"][i] for i in slots]))}
        result[name] = {**means, "ratio": {k: v / means["independent"] for k, v in means.items()}}
    return result


def sharpness_drift(shot: Shot) -> dict:
    total = shot.source.frame_count
    edge = min(EDGE_FRAMES, total // 2)
    ranges = {"first": range(edge), "last": range(total - edge, total)}
    out = {k: float(np.mean([sharpness(shot.output(i)) for i in r])) for k, r in ranges.items()}
    src = {k: float(np.mean([sharpness(shot.source.frame(i)) for i in r])) for k, r in ranges.items()}
    return {"frames": edge, "output": out, "input": src,
            "output_ratio": out["last"] / out["first"], "input_ratio": src["last"] / src["first"],
            "relative": (out["last"] / out["first"]) / (src["last"] / src["first"])}


def label(image: np.ndarray, text: str) -> np.ndarray:
    image = np.ascontiguousarray(image)
    cv2.putText(image, text, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 1, cv2.LINE_AA)
    return image


def crop_size(image: np.ndarray) -> tuple[int, int]:
    """``CROP``, or half the frame when that is smaller (a small test shot)."""
    return min(CROP[0], image.shape[1] // 2), min(CROP[1], image.shape[0] // 2)


def crop_at(image: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """The crop window around ``centre`` (fractions of the frame), at 100 %."""
    height, width = image.shape[:2]
    cw, ch = crop_size(image)
    x0 = int(np.clip(centre[0] * width - cw / 2, 0, width - cw))
    y0 = int(np.clip(centre[1] * height - ch / 2, 0, height - ch))
    return image[y0:y0 + ch, x0:x0 + cw]


def sheet(shot: Shot, path: Path, centre: tuple[float, float] = (0.45, 0.45)) -> dict:
    """Row 1: four stylised frames across the shot, scaled to the crops' size; row 2: 100 % crops of
    the first and last frame, input beside output."""
    total = shot.source.frame_count
    picks = [round(i) for i in np.linspace(0, total - 1, 4)]
    size = crop_size(shot.output(0))
    top = [label(cv2.resize(shot.output(i), size, interpolation=cv2.INTER_AREA), f"frame {i + 1}")
           for i in picks]
    bottom = []
    for index in (0, total - 1):
        bottom.append(label(crop_at(shot.source.frame(index), centre).copy(), f"frame {index + 1} input, 100 %"))
        bottom.append(label(crop_at(shot.output(index), centre).copy(), f"frame {index + 1} network, 100 %"))
    image = np.concatenate([np.concatenate(top, 1), np.concatenate(bottom, 1)], 0)
    return write_jpeg(path, image)


def write_jpeg(path: Path, image: np.ndarray) -> dict:
    """The highest JPEG quality (from 90 down) under ``SHEET_BYTES``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    for quality in range(90, 40, -5):
        ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and len(data) < SHEET_BYTES:
            path.write_bytes(data.tobytes())
            return {"path": str(path), "quality": quality, "bytes": len(data), "size": list(image.shape[1::-1])}
    raise SystemExit(f"{path}: no JPEG quality >= 45 fits in {SHEET_BYTES} bytes")


def difference_crops(shot: Shot, independent: list[np.ndarray], t: int, path: Path,
                     centre: tuple[float, float] = (0.45, 0.45)) -> None:
    """For looking: frame t+1 minus frame t warped along the Vector pass (x4, grey = 0), input,
    independent network and the render, 100 % crops side by side (PNG)."""
    bw, _ = shot.motion(t)
    from dreamvideo.motion.flow import warp

    tiles = []
    runs = {"input": (shot.source.frame(t), shot.source.frame(t + 1)),
            "network alone": (independent[t], independent[t + 1]),
            "render": (shot.output(t), shot.output(t + 1))}
    for name, (a, b) in runs.items():
        diff = np.clip(128 + 4 * (b.astype(np.float32) - warp(a.astype(np.float32), bw)), 0, 255)
        tiles.append(label(crop_at(diff.astype(np.uint8), centre).copy(), f"{name}: t+1 - warp(t), x4"))
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(tiles, 1), cv2.COLOR_RGB2BGR))


def losses(shot: Shot, frames: list[int], centre: tuple[float, float] = (0.45, 0.45)) -> dict:
    """Content and style loss of the render against the optimiser's independent render
    (``iterations.first`` from the content, the job's style settings) on 100 % crops of
    ``frames``: the style is seen at the same size whatever the frame's (``style.scale``), so a
    crop scores as the whole frame would, at a fraction of a 1080p optimisation's cost."""
    from dreamvideo.backbone.models import load_backbone
    from dreamvideo.style import Stylizer
    from dreamvideo.style.stylizer import initial_image

    config = shot.preset.style
    styles = [(read_image(item.path), item.weight) for item in config.images]
    model = shot.preset.model
    stylizer = Stylizer(styles, config, backbone=load_backbone(model.backbone, model.weights,
                                                               model.pooling, model.precision))
    rows = []
    for index in frames:
        content = np.ascontiguousarray(crop_at(shot.source.frame(index), centre))
        inputs = stylizer.inputs(content, frame=index)
        init = initial_image(config.init, content, np.random.default_rng(index))
        optimised = stylizer.stylize(content, init=init, iterations=config.iterations.first,
                                     frame=index).image
        network = np.ascontiguousarray(crop_at(shot.output(index), centre))
        scores = {name: stylizer.evaluate(image.astype(np.float32), inputs)
                  for name, image in (("optimised", optimised), ("network", network))}
        rows.append({"frame": index, **{f"{k}_ratio": scores["network"][k] / scores["optimised"][k]
                                        for k in ("content", "style")}, "scores": scores})
    return {"crops": rows, "iterations": config.iterations.first,
            "content_ratio": float(np.mean([r["content_ratio"] for r in rows])),
            "style_ratio": float(np.mean([r["style_ratio"] for r in rows]))}


def measure(work: Path, *, independent: int, sheet_path: Path, loss_frames: list[int]) -> dict:
    shot = Shot(work)
    alone = shot.independent(independent)
    results = {"stages": shot.stages, "size": list(shot.source.size), "frames": shot.source.frame_count,
               "warping": warping_errors(shot, alone), "sharpness": sharpness_drift(shot),
               "sheet": sheet(shot, sheet_path)}
    if loss_frames:
        results["losses"] = losses(shot, [f % shot.source.frame_count for f in loss_frames])
        print(json.dumps({k: v for k, v in results["losses"].items() if k != "crops"}))
    if 0 in alone and 1 in alone:
        difference_crops(shot, alone, 0, work / "difference_crops.png")
    (work / "measures.json").write_text(json.dumps(results, indent=1))
    summary = {k: v for k, v in results["warping"].items() if not k.startswith("per_pair")}
    print(json.dumps({"warping": summary, "sharpness": results["sharpness"], "sheet": results["sheet"]},
                     indent=1))
    return results
