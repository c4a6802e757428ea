"""Neural style transfer (Gatys et al. 2016), built from losses as values.

Three parts, kept apart as in pystiche (``images`` holds resizing and colour helpers):

- **Losses** (``losses``, :class:`Loss`): small closures over an :class:`Evaluation` (the
  optimised image, its backbone features, and the per-call ``inputs``: targets and weights). They
  add and scale like numbers (lucid objectives): ``param("style_weight") * style_loss(...) + ...``.
- **Targets** (``targets``): content features per frame; style Gram matrices computed once per run
  (per pyramid level) and blended over several style images; warped earlier outputs for the
  temporal term.
- **Optimisation** (``optimise``; the coarse-to-fine loop in ``stylizer``): L-BFGS-B (scipy,
  pixel bounds [0, 255]) or Keras's Adam, both on a compiled value-and-gradient traced once
  per image size.

Images are ``float32 (H, W, 3)`` in [0, 255] (RGB) unless said otherwise.

**Style scale.** A style image is always seen with its long side at ``scale x STYLE_REFERENCE``
(512) pixels of the output, whatever the size of the style file and of the frame. So the size of
the pattern (brush strokes, tiles) in output pixels is set by ``scale`` alone: the same preset
gives the same strokes on a 640 px and a 1920 px frame (the larger frame holds more of them), and
a 4000 px scan of a painting gives the same result as an 800 px copy. Coarse pyramid levels see
the style image reduced by the same factor as the frame, so patterns keep their size relative to
the final output.

**Loss normalisation** (so weights do not depend on frame size): content and style are relative
errors (``mean((F - P)^2) / mean(P^2)``, likewise for Grams, Gram = ``F^T F / (H W)``); total
variation and temporal loss are on pixels scaled to [0, 1].
"""

from .images import keep_colors, luminance, resize, rgb_to_ycrcb, ycrcb_to_rgb
from .losses import (WEIGHT_NAMES, Evaluation, Loss, content_loss, gram_matrix, param, style_loss,
                     style_terms, temporal_loss, tv_loss, weighted_sum)
from .optimise import (MIN_ITERATIONS, STOP_WINDOW, OptimResult, ValueAndGrad, minimize_lbfgs,
                       should_stop)
from .stylizer import StyleResult, Stylizer, initial_image, style_layer_weights, stylize_image
from .targets import STYLE_REFERENCE, TemporalTarget, blend_grams, level_sizes, style_size

__all__ = [
    "MIN_ITERATIONS", "STOP_WINDOW", "STYLE_REFERENCE", "WEIGHT_NAMES", "Evaluation", "Loss",
    "OptimResult", "StyleResult", "Stylizer", "TemporalTarget", "ValueAndGrad", "blend_grams",
    "content_loss", "gram_matrix", "initial_image", "keep_colors", "level_sizes", "luminance",
    "minimize_lbfgs", "param", "resize", "rgb_to_ycrcb", "should_stop", "style_layer_weights",
    "style_loss", "style_size", "style_terms", "stylize_image", "temporal_loss", "tv_loss",
    "weighted_sum", "ycrcb_to_rgb",
]
