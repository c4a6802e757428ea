"""Scene-linear light <-> what the user sees in Blender (its display/view transform).

Blender renders scene-linear Rec.709 (the Combined pass). What the user sees is that light put
through the scene's colour management, in this order (as Blender builds its display processor):

1. exposure: multiply by ``2 ** exposure`` (scene-linear);
2. look (optional, e.g. ``"AgX - Punchy"``) then the view transform (``"Standard"``, ``"AgX"``,
   ``"Filmic"``, ``"Khronos PBR Neutral"`` ... any view of the display in the OCIO config) and the
   display encoding (``"sRGB"``: piecewise sRGB curve);
3. gamma: ``display ** (1 / gamma)``;
4. quantise to 8 bits (round to nearest; set the scene's dither to 0 for an exact match).

``Standard`` on the ``sRGB`` display without a look needs no OCIO config: it is the sRGB curve
(numpy). Every other view uses PyOpenColorIO with Blender's own ``config.ocio`` (in the bpy
package: ``<bpy>/<version>/datafiles/colormanagement/config.ocio``; the add-on sends the path of
the Blender that rendered). The inverse (display -> scene-linear) uses the same processor
inverted; it is exact for Standard below white and approximate for AgX's 3D LUT.

What EXR output (``codec: exr``, :meth:`DisplayTransform.to_linear` of 8-bit frames) recovers
of the Combined pass, measured on the test scene (``tests/test_blender_engine.py``):

* Standard: light up to display white (1.0 after exposure) comes back within 8-bit quantisation
  (showing it again gives the same frame; median error 0.4%, at most ~3% at 0.01, more in the
  darkest tones); anything brighter is clipped by the view and comes back as 1.0 — lost.
* AgX (and its looks): the view compresses light up to ~16.5x white into the display range, so
  highlights above 1.0 come back (median error ~1%); the inverse LUT is approximate and display
  steps get coarse in deep highlights and shadows (a few %). Light beyond the ceiling
  (``to_linear`` of white) and colours outside what AgX shows (its gamut compression) are lost.
* Alpha is not kept (frames are RGB; Combined is premultiplied).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import UserError

NO_LOOK = ("", "None", "NONE")


@dataclass(frozen=True)
class DisplayTransform:
    """Blender's view settings; ``to_display`` / ``to_linear`` convert whole frames."""

    view_transform: str = "Standard"
    look: str = "None"
    exposure: float = 0.0
    gamma: float = 1.0
    display: str = "sRGB"
    ocio_config: str | Path | None = None

    def __post_init__(self) -> None:
        if self.gamma <= 0:
            raise UserError(f"gamma must be > 0, got {self.gamma}")

    @property
    def is_plain_srgb(self) -> bool:
        """True when numpy's sRGB curve is exact (Standard view, sRGB display, no look)."""
        return self.view_transform == "Standard" and self.display == "sRGB" and self.look in NO_LOOK

    def to_display_float(self, linear: np.ndarray) -> np.ndarray:
        """Scene-linear (H, W, 3|4) -> display-referred float32 (H, W, 3), clipped to [0, 1]."""
        rgb = np.array(_rgb(linear), dtype=np.float32) * np.float32(2.0 ** self.exposure)
        if self._processor is None:
            rgb = srgb_encode(rgb)
        else:
            self._processor[0].applyRGB(rgb)
        rgb = np.clip(rgb, 0.0, 1.0)
        return rgb if self.gamma == 1.0 else rgb ** np.float32(1.0 / self.gamma)

    def to_display(self, linear: np.ndarray) -> np.ndarray:
        """Scene-linear (H, W, 3|4) -> uint8 RGB (H, W, 3), as Blender saves an 8-bit PNG."""
        return np.rint(self.to_display_float(linear) * 255.0).astype(np.uint8)

    def to_linear(self, frame: np.ndarray) -> np.ndarray:
        """Display RGB (uint8, or float in [0, 255]) -> scene-linear float32 (H, W, 3)."""
        rgb = np.array(_rgb(frame), dtype=np.float32) / np.float32(255.0)
        rgb = np.clip(rgb, 0.0, 1.0)
        if self.gamma != 1.0:
            rgb = rgb ** np.float32(self.gamma)
        if self._processor is None:
            rgb = srgb_decode(rgb)
        else:
            self._processor[1].applyRGB(rgb)
        return rgb / np.float32(2.0 ** self.exposure)

    @cached_property
    def _processor(self):
        """(forward, inverse) OCIO CPU processors, or None for the plain sRGB curve."""
        config_path = self.ocio_config or os.environ.get("OCIO")
        if self.is_plain_srgb and not self.ocio_config:
            return None
        if not config_path:
            raise UserError(
                f"view transform {self.view_transform!r} needs Blender's OCIO config: set "
                "ocio_config to <blender>/<version>/datafiles/colormanagement/config.ocio"
            )
        return _display_processors(str(config_path), self.display, self.view_transform, self.look)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """The piecewise sRGB curve (IEC 61966-2-1), linear [0, 1] -> encoded [0, 1]; clips."""
    x = np.clip(linear, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055).astype(np.float32)


def srgb_decode(encoded: np.ndarray) -> np.ndarray:
    """Inverse of :func:`srgb_encode`, encoded [0, 1] -> linear [0, 1]."""
    x = np.clip(encoded, 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, np.power((x + 0.055) / 1.055, 2.4)).astype(np.float32)


def views(ocio_config: str | Path, display: str = "sRGB") -> list[str]:
    """Names of the view transforms the config offers on ``display``."""
    config = _load_config(str(ocio_config))
    return list(config.getViews(display))


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W, 3) or (H, W, 4) image, got shape {image.shape}")
    return image[..., :3]


def _load_config(path: str):
    import PyOpenColorIO as ocio

    if not Path(path).is_file():
        raise UserError(f"OCIO config not found: {path}")
    try:
        return ocio.Config.CreateFromFile(path)
    except ocio.Exception as err:
        raise UserError(f"cannot read OCIO config {path}: {err}") from err


def _display_processors(config_path: str, display: str, view: str, look: str):
    """Blender's display pipeline (look, then view on display) as forward and inverse processors."""
    import PyOpenColorIO as ocio

    config = _load_config(config_path)
    if display not in config.getDisplays():
        raise UserError(f"display {display!r} is not in {config_path}; use one of "
                        f"{', '.join(config.getDisplays())}")
    if view not in config.getViews(display):
        raise UserError(f"view transform {view!r} is not offered on display {display!r}; use one "
                        f"of {', '.join(config.getViews(display))}")
    group = ocio.GroupTransform()
    source = ocio.ROLE_SCENE_LINEAR
    use_look = look not in NO_LOOK
    if use_look:
        look = _look_name(config, look, view)
        look_out = config.getLook(look).getProcessSpace()  # what OCIO's GetLooksResultColorSpace gives
        group.appendTransform(ocio.LookTransform(src=source, dst=look_out, looks=look))
        source = look_out
    group.appendTransform(ocio.DisplayViewTransform(src=source, display=display, view=view,
                                                    looksBypass=use_look))
    try:
        forward = config.getProcessor(group).getDefaultCPUProcessor()
        inverse = config.getProcessor(group, ocio.TRANSFORM_DIR_INVERSE).getDefaultCPUProcessor()
    except ocio.Exception as err:
        raise UserError(f"OCIO cannot build {view!r} on {display!r}: {err}") from err
    return forward, inverse


def _look_name(config, look: str, view: str) -> str:
    names = [item.getName() for item in config.getLooks()]
    for candidate in (look, f"{view} - {look}"):
        if candidate in names:
            return candidate
    raise UserError(f"look {look!r} is not in the OCIO config; use one of {', '.join(names)}")
