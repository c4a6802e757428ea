"""The temporal-coherence component the video effects share (effects/coherence.py): the fade by
strength, earlier outputs carried along the flow with their masks, source frames read on demand."""

import cv2
import numpy as np
import pytest

from dreamvideo.config import Keyframe
from dreamvideo.effects.base import FrameContext
from dreamvideo.effects.coherence import CarryRule, Coherence, Fade, fade_toward, unfade
from dreamvideo.errors import UserError
from dreamvideo.motion.flow import PrecomputedFlow
from synthetic import textured_image, translating_clip


class ListSource:
    def __init__(self, frames):
        self._frames, self.starts = frames, []

    def frames(self, start=0):
        self.starts.append(start)
        yield from self._frames[start:]


def test_fade_is_the_strength_over_its_peak_and_unfade_undoes_it():
    ramp = [Keyframe(frame=0, value=0.0), Keyframe(frame=4, value=-8.0), Keyframe(frame=6, value=2.0)]
    fade = Fade(ramp)
    assert fade.peak == 8.0  # the largest magnitude, so a negative strength fades the same way
    assert [fade(f) for f in (0, 2, 4, 5, 6)] == [0.0, 0.5, 1.0, 3 / 8, 0.25]
    assert Fade(0.0)(3) == 0.0 and Fade(5.0)(3) == 1.0
    base = textured_image((16, 12), seed=1).astype(np.float32)
    image = textured_image((16, 12), seed=2).astype(np.float32)
    faded = fade_toward(base, image, 0.25)
    np.testing.assert_allclose(faded, 0.75 * base + 0.25 * image, rtol=1e-6)
    np.testing.assert_allclose(unfade(base, faded, 0.25), image, atol=1e-3)


@pytest.fixture
def clip():
    return translating_clip((40, 32), 4, shift=(2, 1), seed=3)


def test_carry_back_chains_the_flows_and_masks_what_entered_the_frame(clip):
    flow = PrecomputedFlow(list(zip(clip.flows_fw, clip.flows_bw)))
    coherence = Coherence(flow, 1.0, source=ListSource(clip.frames), reach=2)
    carried = coherence.carry_back(3, (1, 2), lambda index: clip.frames[index])
    assert len(carried) == 2
    for j, (warped, mask) in zip((1, 2), carried):
        entered = np.zeros(mask.shape, bool)  # pixels whose source was outside frame 3 - j
        entered[:j, :], entered[:, :2 * j] = True, True
        np.testing.assert_array_equal(mask, np.where(entered, 0.0, 1.0))
        np.testing.assert_array_equal(warped[~entered], clip.frames[3][~entered])


def test_the_provider_or_the_flows_alone_decide_the_mask(clip):
    class Everywhere(PrecomputedFlow):  # a provider that trusts every pixel (as depth might)
        def reliability(self, a, b, flow_ab, flow_ba, *, boundary_weight=0.0):
            return np.ones(flow_ab.shape[:2], np.float32)

    flow = Everywhere(list(zip(clip.flows_fw, clip.flows_bw)))
    output = clip.frames[0]
    for rule, outside in ((CarryRule(), 1.0), (CarryRule(mask="consistency"), 0.0)):
        coherence = Coherence(flow, 1.0, rule=rule, source=ListSource(clip.frames))
        _, mask = coherence.carry_previous(1, output)
        assert mask[0, 0] == outside and mask[-1, -1] == 1.0


def test_clipping_keeps_a_lanczos_warp_in_range(clip):
    flow = PrecomputedFlow([(np.full((32, 40, 2), 0.5, np.float32),) * 2] * 3)
    checker = (np.indices((32, 40)).sum(0) % 2 * 255).astype(np.uint8)[..., None].repeat(3, 2)
    warped = {clip_: Coherence(flow, 1.0, rule=CarryRule(interpolation="lanczos", clip=clip_),
                               source=ListSource(clip.frames)).carry_previous(1, checker)[0]
              for clip_ in (False, True)}
    assert warped[False].min() < 0 or warped[False].max() > 255  # Lanczos overshoots
    assert warped[True].min() >= 0 and warped[True].max() <= 255


def test_frames_come_from_the_contexts_else_from_the_source(clip):
    source = ListSource(clip.frames)
    coherence = Coherence(PrecomputedFlow(list(zip(clip.flows_fw, clip.flows_bw))), 1.0,
                          source=source, frame_size=(20, 16))
    ctx = FrameContext(2, 4, None, clip.frames[2], clip.frames[1], np.random.default_rng(0),
                       lambda i: clip.frames[i])
    assert coherence.take(ctx).shape == (16, 20, 3)  # fitted to the frame size
    coherence.frame(1), coherence.frame(2)
    assert source.starts == []  # the context brought both
    assert coherence.frame(0).shape == (16, 20, 3) and source.starts == [0]
    orphan = Coherence(PrecomputedFlow([]), 1.0)
    with pytest.raises(UserError, match="source frame 5 is needed"):
        orphan.frame(5)


def disc_pair(shift: float = 2.5, pan: float = 0.3, size=(64, 48)):
    """A bright disc moving ``shift`` px right over a flat ground, the camera panning ``pan`` px
    down: frames a and b, their exact flows, and where the disc is in either frame."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    discs = [((xx - cx) ** 2 + (yy - height / 2) ** 2) < 10 ** 2 for cx in (24.0, 24.0 + shift)]
    a, b = (np.where(d[..., None], 230.0, 60.0).astype(np.float32) for d in discs)
    fw, bw = np.zeros((2, height, width, 2), np.float32)
    fw[discs[0], 0], bw[discs[1], 0] = shift, -shift
    fw[..., 1] += pan
    bw[..., 1] -= pan
    return a, b, fw, bw, discs[0] | discs[1]


@pytest.mark.parametrize("footprint", [False, True])
def test_a_lanczos_carry_keeps_no_pixel_that_reads_the_moving_objects_edge(footprint):
    a, b, fw, bw, discs = disc_pair()
    rule = CarryRule(interpolation="lanczos", clip=True, mask="consistency", footprint=footprint)
    carried, mask = Coherence(PrecomputedFlow([(fw, bw)]), 1.0, rule=rule).carry(a, 0, 1, fw, bw)
    error = np.abs(carried - b).max(axis=2)[(mask > 0) & ~discs]  # what kept background brings wrongly
    if footprint:  # at most the faint ringing from 3 px away, and only pixels beside the disc dropped
        far = cv2.distanceTransform((~discs).astype(np.uint8), cv2.DIST_C, 3) > 2 + 1
        far[0] = False  # the camera pans down: row 0's source is above frame a
        assert error.max() < 4.0 and mask[far].min() == 1, error.max()
    else:  # the sample point's check alone keeps the disc's ringing beside the uncovered strip
        assert error.max() > 10.0, error.max()
