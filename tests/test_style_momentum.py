"""``style.temporal_momentum``: the previous frame's change along the flow is carried on.

A held painting drifts from the style where the camera magnifies or turns it, and each frame
restores only a little of it; carrying the restoration on makes it add up (docs/design/
style-coherence.md, item 5). These tests check what is carried, and that a resumed render
rebuilds it from the saved outputs alone.
"""

from types import SimpleNamespace

import numpy as np

from dreamvideo.effects.base import FrameContext
from dreamvideo.effects.style import StyleEffect
from dreamvideo.motion.flow import PrecomputedFlow
from dreamvideo.style import Stylizer
from dreamvideo.style.stylizer import SKETCH_ITERATIONS, SKETCH_SCALE
from style_helpers import config, stripes
from synthetic import textured_image, translating_clip
from test_style_video import ListSource, render

SIZE, SHIFT = (48, 32), (2, 1)


def effect_for(clip, **changes) -> StyleEffect:
    cfg = config(iterations={"first": 20, "next": 8}, tolerance=0, **changes)
    return StyleEffect(Stylizer([(stripes(), 1.0)], cfg),
                       PrecomputedFlow(list(zip(clip.flows_fw, clip.flows_bw))),
                       source=ListSource(clip.frames), frame_size=SIZE)


def context(clip, index, outputs) -> FrameContext:
    return FrameContext(index, len(clip.frames), outputs[index - 1], clip.frames[index],
                        clip.frames[index - 1], np.random.default_rng(index), lambda i: outputs[i])


def moved(image: np.ndarray) -> np.ndarray:
    """``image`` as the clip's content moves it one frame on (integer shift)."""
    return np.roll(image, SHIFT[::-1], axis=(0, 1))


def test_momentum_is_the_previous_frames_change_carried_into_this_frame():
    clip = translating_clip(SIZE, 3, shift=SHIFT, seed=3)
    before = textured_image(SIZE, 7)
    ramp = np.linspace(-20, 20, SIZE[0], dtype=np.float32)[None, :, None]
    change = np.broadcast_to(ramp, before.shape)  # what frame 1's optimisation did
    outputs = [before, np.clip(moved(before).astype(np.float32) + change, 0, 255).astype(np.uint8)]
    inside = (slice(6, -6), slice(6, -6))  # away from the edges the shift uncovers

    push = effect_for(clip, temporal_momentum=0.5).momentum(context(clip, 2, outputs))

    expected = 0.5 * moved(outputs[1].astype(np.float32) - moved(before).astype(np.float32))
    np.testing.assert_allclose(push[inside], expected[inside], atol=0.5)
    assert np.abs(push[inside]).mean() > 3  # a ramp of +-20 levels, halved: not nothing
    assert effect_for(clip, temporal_momentum=0).momentum(context(clip, 2, outputs)) is None  # off
    assert effect_for(clip, temporal_momentum=0.5).momentum(context(clip, 1, outputs)) is None


def test_a_render_with_momentum_resumes_to_the_same_frames():
    clip = translating_clip(SIZE, 4, shift=SHIFT, seed=11)
    outputs = render(effect_for(clip, temporal_momentum=0.8), clip.frames)
    again = render(effect_for(clip, temporal_momentum=0.8), clip.frames, start=3, outputs=outputs[:3])
    np.testing.assert_array_equal(again[3], outputs[3])
    plain = render(effect_for(clip, temporal_momentum=0), clip.frames, start=3, outputs=outputs[:3])
    assert np.abs(plain[3].astype(int) - outputs[3]).max() > 0  # the momentum did something


def test_revealed_hold_is_the_age_of_each_pixel_over_reveal_frames():
    clip = translating_clip(SIZE, 5, shift=SHIFT, seed=3)
    outputs = [textured_image(SIZE, 7 + i) for i in range(4)]
    hold = effect_for(clip, reveal_frames=4).revealed_hold(context(clip, 4, outputs))
    # the content moves right and down by SHIFT a frame: frame 4's leftmost 2 columns entered
    # in frame 4 (0: not held at all), the next 2 in frame 3 (carried once: 1/4), ...
    columns = hold[SIZE[1] // 2]
    np.testing.assert_allclose(columns[:8], [0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75])
    np.testing.assert_allclose(hold[8:-8, 10:-10], 1.0)  # carried since frame 0: fully held
    assert effect_for(clip, reveal_frames=0).revealed_hold(context(clip, 4, outputs)) is None
    assert effect_for(clip, reveal_frames=4).revealed_hold(context(clip, 1, outputs)) is None


def test_a_render_with_revealed_hold_resumes_to_the_same_frames():
    clip = translating_clip(SIZE, 5, shift=SHIFT, seed=11)
    outputs = render(effect_for(clip, reveal_frames=3), clip.frames)
    again = render(effect_for(clip, reveal_frames=3), clip.frames, start=4, outputs=outputs[:4])
    np.testing.assert_array_equal(again[4], outputs[4])
    plain = render(effect_for(clip, reveal_frames=0), clip.frames, start=4, outputs=outputs[:4])
    assert np.abs(plain[4].astype(int) - outputs[4]).max() > 0  # the hold did something


def test_a_painted_start_gives_only_the_pixels_the_camera_brought_in_a_sketch():
    clip = translating_clip(SIZE, 3, shift=SHIFT, seed=3)
    outputs = [textured_image(SIZE, 7 + i) for i in range(2)]
    effect = effect_for(clip, reveal_start="painted")
    ctx = context(clip, 2, outputs)
    target = effect.temporal_target(ctx)
    start = effect.warm_start(2, ctx.source, target)

    sketch = effect.stylizer.sketch(ctx.source, frame=2, scale=SKETCH_SCALE,
                                    iterations=SKETCH_ITERATIONS)
    # the content moves right and down by SHIFT a frame: frame 2's first 2 columns and first
    # row are new; the rest is frame 1's output carried (exactly, an integer shift)
    np.testing.assert_allclose(start[:, :2], sketch[:, :2], atol=1e-3)
    np.testing.assert_allclose(start[:1], sketch[:1], atol=1e-3)
    assert np.abs(sketch[:, :2] - ctx.source[:, :2]).mean() > 5  # a painting, not the content
    np.testing.assert_allclose(start[8:-8, 8:-8], moved(outputs[1]).astype(np.float32)[8:-8, 8:-8],
                               atol=0.5)
    content_start = effect_for(clip, reveal_start="content").warm_start(2, ctx.source, target)
    np.testing.assert_allclose(content_start[:, :2], ctx.source[:, :2], atol=1e-3)


def test_a_render_with_a_painted_start_resumes_to_the_same_frames():
    clip = translating_clip(SIZE, 4, shift=SHIFT, seed=11)
    outputs = render(effect_for(clip, reveal_start="painted"), clip.frames)
    again = render(effect_for(clip, reveal_start="painted"), clip.frames, start=3, outputs=outputs[:3])
    np.testing.assert_array_equal(again[3], outputs[3])


def test_only_what_the_camera_brings_in_counts_as_entered_not_what_an_object_uncovers():
    width, height = SIZE
    fw = np.zeros((height, width, 2), np.float32)
    fw[..., 0] = 2  # the picture moves right: frame 1's left 2 columns come from outside frame 0
    bw = -fw
    bw[10:14, 20:24] = (5, 0)  # a patch of frame 1 that frame 0 does not hold (an uncovering)
    frames = [textured_image(SIZE, 1), textured_image(SIZE, 2)]
    effect = StyleEffect(Stylizer([(stripes(), 1.0)], config()), PrecomputedFlow([(fw, bw)]),
                         source=ListSource(frames), frame_size=SIZE)
    effect.coherence.take(context(SimpleNamespace(frames=frames), 1, frames))

    entered = effect.coherence.entered(1)

    assert entered[:, :2].all() and not entered[:, 3:].any()
    mask = effect.coherence.mask(0, 1, fw, bw)
    assert (mask[10:14, 20:24] <= 0).all()  # unmatched, yet not entered: starts from the content
