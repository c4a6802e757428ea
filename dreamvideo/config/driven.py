"""Finding the values of a preset that a track drives, and replacing them by keyframes."""

from __future__ import annotations

from typing import Callable, Iterator

from pydantic import BaseModel

from ..errors import PresetError
from .values import AudioDriven, Keyframe


def driven_values(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, AudioDriven]]:
    """(key path, value) of every audio-driven value in ``model``, e.g. ``("zoom.scale", ...)``."""
    for name in type(model).model_fields:
        yield from _walk(getattr(model, name), f"{prefix}.{name}" if prefix else name)


def _walk(value, key: str) -> Iterator[tuple[str, AudioDriven]]:
    if isinstance(value, AudioDriven):
        yield key, value
    elif isinstance(value, BaseModel):
        yield from driven_values(value, key)
    elif isinstance(value, (list, tuple)):
        for number, item in enumerate(value):
            yield from _walk(item, f"{key}[{number}]")


def refuse_driven(model: BaseModel, why: str) -> None:
    """PresetError naming the first driven value, where there is no clip for it to follow
    (``why``: "a photo has no frames to follow it")."""
    for key, _ in driven_values(model):
        raise PresetError(f"{key}: follows a track, but {why}; give a number (--set {key}=1.5)")


Curves = Callable[[str, AudioDriven], list[float]]


def with_keyframes(model: BaseModel, curve: Curves, prefix: str = "") -> BaseModel:
    """``model`` with each driven value replaced by one keyframe per frame, ``curve(key, value)``
    giving the values from frame 0 on; the model itself when nothing is driven."""
    updates = {}
    for name in type(model).model_fields:
        old = getattr(model, name)
        new = _replace(old, curve, f"{prefix}.{name}" if prefix else name)
        if new is not old:
            updates[name] = new
    return model.model_copy(update=updates) if updates else model


def _replace(value, curve: Curves, key: str):
    if isinstance(value, AudioDriven):
        return [Keyframe(frame=frame, value=v) for frame, v in enumerate(curve(key, value))]
    if isinstance(value, BaseModel):
        return with_keyframes(value, curve, key)
    if isinstance(value, (list, tuple)):
        items = [_replace(item, curve, f"{key}[{number}]") for number, item in enumerate(value)]
        if all(new is old for new, old in zip(items, value)):
            return value
        return type(value)(items)
    return value
