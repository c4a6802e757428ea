"""Read Blender's multilayer EXR renders by pass name; write float EXR images.

Blender 5 writes a multilayer EXR as one *part* per pass (``ViewLayer.Combined``,
``ViewLayer.Vector``, ``ViewLayer.Depth``, ``ViewLayer.Object Index`` ...); older versions and
other tools write one part with all channels. Either way every channel is named
``<layer>.<pass>.<channel>`` (a plain EXR has bare ``R``, ``G``, ``B``, ``A``: its pass is
``Combined``). :func:`read_passes` reads all parts and returns one array per pass:

=================  ===================  ====================================================
pass               array                channels
=================  ===================  ====================================================
``Combined``       (H, W, 4) float32    R G B A, scene-linear, premultiplied alpha
``Vector``         (H, W, 4) float32    X Y Z W, see :mod:`dreamvideo.blender.source`
``Depth``          (H, W) float32       Z, distance from the camera in scene units
``Object Index``   (H, W) float32       X, the object's ``pass_index`` (0 = none)
others             (H, W) or (H, W, C)  in the file's channel order (RGBA/XYZW sorted)
=================  ===================  ====================================================

Rows are top to bottom, as in the image the user sees. Blender 4 pass names (``IndexOB``,
``IndexMA``, ``Z``) are renamed to the Blender 5 names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import OpenEXR

from ..errors import UserError

LEGACY_NAMES = {"IndexOB": "Object Index", "IndexMA": "Material Index", "Z": "Depth"}
PASS_HINTS = {
    "Combined": "View Layer > Passes > Data > Combined",
    "Vector": "View Layer > Passes > Data > Vector (and turn off Motion Blur in Render Properties)",
    "Depth": "View Layer > Passes > Data > Z",
    "Object Index": "View Layer > Passes > Data > Indexes > Object Index",
    "Material Index": "View Layer > Passes > Data > Indexes > Material Index",
}
_ORDER = {name: i for i, name in enumerate("RGBAXYZWUV")}


def read_passes(path: str | Path, *, layer: str | None = None) -> dict[str, np.ndarray]:
    """All passes of one view layer of an EXR file (default: the first layer in the file)."""
    path = Path(path)
    channels = _read_channels(path)
    layers: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for full_name, pixels in channels.items():
        layer_name, pass_name, channel = _split(full_name)
        layers.setdefault(layer_name, {}).setdefault(pass_name, {})[channel] = pixels
    if not layers:
        raise UserError(f"{path.name} has no image channels")
    if layer is None:
        layer = next(iter(layers))
    elif layer not in layers:
        raise UserError(f"{path.name} has no view layer {layer!r}; it has {', '.join(map(repr, layers))}")
    return {name: _stack(chans) for name, chans in layers[layer].items()}


def require_pass(passes: dict[str, np.ndarray], name: str, path: str | Path) -> np.ndarray:
    """``passes[name]``, or a UserError that says how to enable the pass in Blender."""
    if name in passes:
        return passes[name]
    hint = PASS_HINTS.get(name, "View Layer > Passes")
    raise UserError(f"{Path(path).name} has no {name} pass; enable it in {hint}")


def read_pass(path: str | Path, name: str, *, layer: str | None = None) -> np.ndarray:
    """One pass of an EXR file; a missing pass is a UserError with the fix."""
    return require_pass(read_passes(path, layer=layer), name, path)


def write_exr(path: str | Path, image: np.ndarray, *, half: bool = False) -> Path:
    """Write a float (H, W, 3) RGB or (H, W, 4) RGBA image as a single-part ZIP-compressed EXR."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W, 3) or (H, W, 4) image, got shape {image.shape}")
    dtype = np.float16 if half else np.float32
    names = "RGBA"[: image.shape[2]]
    channels = {name: np.ascontiguousarray(image[..., i], dtype=dtype) for i, name in enumerate(names)}
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    OpenEXR.File(header, channels).write(str(path))
    return path


def _read_channels(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise UserError(f"EXR file not found: {path}")
    try:
        exr = OpenEXR.File(str(path), separate_channels=True)
        return {name: channel.pixels for part in exr.parts for name, channel in part.channels.items()}
    except Exception as err:  # OpenEXR raises plain RuntimeError/Exception on a bad file
        raise UserError(f"{path.name} is not a readable EXR file: {err}") from err


def _split(full_name: str) -> tuple[str, str, str]:
    """``'ViewLayer.Vector.X'`` -> (``'ViewLayer'``, ``'Vector'``, ``'X'``); ``'R'`` -> ('', 'Combined', 'R')."""
    parts = full_name.split(".")
    if len(parts) == 1:
        return "", "Combined", parts[0]
    if len(parts) == 2:
        return "", LEGACY_NAMES.get(parts[0], parts[0]), parts[1]
    layer, pass_name, channel = ".".join(parts[:-2]), parts[-2], parts[-1]
    return layer, LEGACY_NAMES.get(pass_name, pass_name), channel


def _stack(channels: dict[str, np.ndarray]) -> np.ndarray:
    if len(channels) == 1:
        return np.asarray(next(iter(channels.values())), dtype=np.float32)
    names = sorted(channels, key=lambda c: (_ORDER.get(c, len(_ORDER)), c))
    return np.stack([np.asarray(channels[c], dtype=np.float32) for c in names], axis=-1)
