"""Work frames -> the final output, encoded into a ``.partial`` file that is renamed only when
complete; EXR output turns the frames back into scene-linear light with the source's view
transform (a Blender render's) or the sRGB decode."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..audio.mux import Soundtrack, soundtrack_of
from ..config import Preset
from ..progress import Progress
from ..videoio import ToLinear, open_sink
from .workfolder import WorkFolder


@dataclass(frozen=True)
class Encoding:
    """How a job's output is written: where, in which codec and quality, at which rate and size,
    with which stretch of ``output.audio``."""

    path: Path
    codec: str | None
    crf: int
    fps: float
    size: tuple[int, int]
    soundtrack: Soundtrack | None = None

    @classmethod
    def of(cls, preset: Preset, *, fps: float, size: tuple[int, int], frames: int) -> Encoding:
        """The encoding of ``frames`` output frames of ``preset``."""
        output = preset.output
        return cls(Path(output.path), output.codec, output.crf, fps, tuple(size),
                   soundtrack_of(preset, frames, fps))


def encode(frames: WorkFolder, order, encoding: Encoding, progress: Progress, *, overwrite: bool,
           to_linear: ToLinear | None = None) -> None:
    """Work frames ``order`` -> the output (with ``output.audio`` muxed in). ``to_linear`` turns
    display frames back into scene-linear light for EXR output (None: the sRGB decode)."""
    progress.start(len(order), 0, stage="encode")
    with open_sink(encoding.path, fps=encoding.fps, size=encoding.size, codec=encoding.codec,
                   crf=encoding.crf, overwrite=overwrite, to_linear=to_linear,
                   soundtrack=encoding.soundtrack) as sink:
        for done, index in enumerate(order, 1):
            sink.write(frames.read(index))
            progress.update(done, stage="encode")


def occupied(path: Path) -> bool:
    """True when ``path`` exists and is not an empty folder."""
    return path.exists() and not (path.is_dir() and not any(path.iterdir()))
