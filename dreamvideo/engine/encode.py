"""Work frames -> the final output, encoded into a ``.partial`` file that is renamed only when
complete; EXR output turns the frames back into scene-linear light with the source's view
transform (a Blender render's) or the sRGB decode."""

from __future__ import annotations

from pathlib import Path

from ..audio.mux import soundtrack_of
from ..config import Preset
from ..progress import Progress
from ..videoio import open_sink
from .workfolder import WorkFolder


def encode(work: WorkFolder, order: list[int], output: Path, preset: Preset, size, fps: float,
           overwrite: bool, progress: Progress, *, to_linear=None) -> None:
    """Work frames -> the output (with ``output.audio`` muxed in). ``to_linear`` turns display
    frames back into scene-linear light for EXR output (None: the sRGB decode)."""
    progress.start(len(order), 0, stage="encode")
    with open_sink(output, fps=fps, size=size, codec=preset.output.codec, crf=preset.output.crf,
                   overwrite=overwrite, to_linear=to_linear,
                   soundtrack=soundtrack_of(preset, len(order), fps)) as sink:
        for done, index in enumerate(order, 1):
            sink.write(work.read(index))
            progress.update(done, stage="encode")


def occupied(path: Path) -> bool:
    """True when ``path`` exists and is not an empty folder."""
    return path.exists() and not (path.is_dir() and not any(path.iterdir()))
