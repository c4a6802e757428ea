"""Presets: YAML files parsed into typed, validated, frozen configuration objects.

Errors name the key path and what is allowed (``output.fps: must be > 0, got -3``). Relative
paths resolve against the preset file's folder. ``--set key.path=value`` overrides are applied to
the raw YAML before validation, so they are validated the same way.

One module per part of a preset: ``values`` (animatable values: constant, keyframed or driven
by a track; paths), ``driven`` (finding driven values), ``audio`` (the track in ``output:``),
``media`` (source, output, model), ``dream`` (dream, zoom, video), ``style``, ``preset`` (the whole and loading),
``messages`` (validation errors as one line).
"""

from .dream import DreamConfig, DreamVideoConfig, NeuronConfig, ObjectiveTerm, ZoomConfig
from .media import Codec, ModelConfig, NoiseSourceConfig, OutputConfig, SourceConfig
from .messages import format_validation_error
from .preset import Preset, SegmentsConfig, apply_override, load_preset, parse_preset
from .style import IterationsConfig, StyleConfig, StyleImage, StyleLayer
from .values import Animatable, AudioDriven, Keyframe, PresetPath, PresetSpec, Section, peak_of, value_at

__all__ = ["Animatable", "AudioDriven", "Codec", "DreamConfig", "DreamVideoConfig", "IterationsConfig", "Keyframe",
           "ModelConfig", "NeuronConfig", "NoiseSourceConfig", "ObjectiveTerm", "OutputConfig",
           "Preset", "PresetPath", "PresetSpec", "Section", "SegmentsConfig", "SourceConfig",
           "StyleConfig", "StyleImage", "StyleLayer", "ZoomConfig", "apply_override",
           "format_validation_error", "load_preset", "parse_preset", "peak_of", "value_at"]
