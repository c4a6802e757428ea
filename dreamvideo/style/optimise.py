"""Optimisers on ``fun(x) -> (value, gradient)``: L-BFGS-B (scipy) and the stopping rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import scipy.optimize

MIN_ITERATIONS = 10  # the tolerance never stops an optimisation before this many iterations
STOP_WINDOW = 5  # the relative loss change is averaged over this many iterations
_EPS = 1e-8


ValueAndGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass
class OptimResult:
    """Final image, the loss after each iteration, and why the optimiser stopped."""

    x: np.ndarray
    losses: list[float] = field(default_factory=list)
    stopped: str = "iterations"  # "iterations" | "tolerance" | "converged"

    @property
    def iterations(self) -> int:
        return len(self.losses)


def should_stop(losses: Sequence[float], tolerance: float, iterations: int) -> bool:
    """True when the loss fell by less than ``tolerance`` (relative, per iteration, averaged over
    the last STOP_WINDOW iterations), never before ``min(MIN_ITERATIONS, iterations)``."""
    done = len(losses)
    if done < min(MIN_ITERATIONS, iterations) or done < 2 or tolerance <= 0:
        return False
    window = min(STOP_WINDOW, done - 1)
    drop = (losses[-1 - window] - losses[-1]) / window
    return drop <= tolerance * max(abs(losses[-1]), _EPS)


def minimize_lbfgs(fun: ValueAndGrad, x0: np.ndarray, *, iterations: int, tolerance: float,
                   bounds: tuple[float | np.ndarray, float | np.ndarray] = (0.0, 255.0), first_step: float = 8.0,
                   precondition: np.ndarray | None = None) -> OptimResult:
    """L-BFGS-B on ``fun(x) -> (value, gradient)``, x in ``bounds``; stops by :func:`should_stop`.

    The objective is rescaled so that the first step moves the largest pixel by ``first_step``:
    L-BFGS-B's first step is the raw gradient, which for small losses would be far below the
    float32 resolution of the loss and end the line search at once. Reported losses are unscaled.
    ``precondition`` (positive, broadcastable to x) is a diagonal preconditioner P: L-BFGS works
    on z = x / P, so where P is small (a stiff pixel) it steps less, elsewhere more.
    """
    if precondition is not None:
        p = np.broadcast_to(np.asarray(precondition, np.float32), np.shape(x0))

        def scaled(z: np.ndarray) -> tuple[float, np.ndarray]:
            value, grad = fun(z * p)
            return value, grad * p

        lower, upper = bounds
        result = minimize_lbfgs(scaled, np.asarray(x0, np.float32) / p, iterations=iterations,
                                tolerance=tolerance, bounds=(lower / p, upper / p), first_step=first_step)
        result.x = result.x * p
        return result
    shape = x0.shape
    x0 = np.asarray(x0, np.float32)
    value0, grad0 = fun(x0)
    scale = first_step / max(float(np.abs(grad0).max()), 1e-30)
    result = OptimResult(x0)

    def flat_fun(z):
        reuse = np.array_equal(z, start)  # scipy starts at x0, which was just evaluated
        value, grad = (value0, grad0) if reuse else fun(z.reshape(shape).astype(np.float32))
        return scale * float(value), scale * np.asarray(grad, np.float64).ravel()

    def callback(intermediate_result):
        result.losses.append(float(intermediate_result.fun) / scale)
        result.x = intermediate_result.x.reshape(shape).astype(np.float32)
        if should_stop(result.losses, tolerance, iterations):
            result.stopped = "tolerance"
            raise StopIteration

    lower, upper = bounds
    start = x0.astype(np.float64).ravel()
    out = scipy.optimize.minimize(
        flat_fun, start, jac=True, method="L-BFGS-B",
        bounds=scipy.optimize.Bounds(np.broadcast_to(lower, shape).ravel(),
                                     np.broadcast_to(upper, shape).ravel()),
        callback=callback,
        options={"maxiter": iterations, "maxfun": 4 * iterations + 20, "ftol": 0.0, "gtol": 0.0,
                 "maxcor": 10})
    if result.stopped != "tolerance" and len(result.losses) < iterations:
        result.stopped = "converged"  # the line search found no lower loss: at a minimum
    if out.x is not None:
        result.x = out.x.reshape(shape).astype(np.float32)
    return result
