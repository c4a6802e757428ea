"""Frame sinks and sources, through the ffmpeg binary bundled with imageio-ffmpeg.

Frames are ``uint8 (H, W, 3)`` RGB arrays; sizes are ``(width, height)``.

- :mod:`.sinks` — :func:`open_sink` streams frames into H.264 / ProRes / HAP / VP9 files, PNG
  sequences, or float EXR sequences (frames converted back to scene-linear light), written
  under a ``.partial`` name and renamed on ``close()``.
- :mod:`.outputs` — the codec a path asks for, refusing to replace outputs, publishing.
- :mod:`.sources` — :class:`ImageSource`, :class:`VideoSource`, :class:`SequenceSource`,
  :class:`NoiseSource` stream frames one at a time.
- :mod:`.ffmpeg` — encoder settings and command lines, probing videos, :class:`FfmpegError`.
- :mod:`.images` — reading images, fitting frames to a size, pixel conversions.
- :mod:`.sequences` — ``%05d`` name patterns and frame-ordered file listing.
"""

from .ffmpeg import ENCODERS, Encoder, FfmpegError, VideoInfo, probe_video
from .images import IMAGE_SUFFIXES, fit_to_size, read_image, srgb_to_linear, to_uint8
from .outputs import CODECS, SEQUENCE_CODECS, VIDEO_SUFFIXES, output_location
from .sequences import list_frame_files
from .sinks import FrameSink, ToLinear, open_sink
from .sources import (PLAIN, FrameSource, ImageSource, NoiseSource, SequenceSource, SourceOffers,
                      VideoSource, smooth_noise)

# The names these had when videoio was one module (tests reach for them).
_Encoder, _ENCODERS = Encoder, ENCODERS

__all__ = [
    "CODECS", "ENCODERS", "Encoder", "FfmpegError", "FrameSink", "FrameSource", "IMAGE_SUFFIXES",
    "ImageSource", "NoiseSource", "PLAIN", "SourceOffers", "SEQUENCE_CODECS", "SequenceSource", "ToLinear",
    "VIDEO_SUFFIXES", "VideoInfo", "VideoSource", "fit_to_size", "list_frame_files",
    "open_sink", "output_location", "probe_video", "read_image",
    "smooth_noise", "srgb_to_linear", "to_uint8",
]
