"""The two channels from each call's hidden truth: what the tracker records, what agents see.

A simulated call has a true quality (drawn by :meth:`scenarios.world.World.draw`). This
module is the one place that turns it into observations:

- the *recorded* channel (``[observation.recorded]``) is what reaches the store and so the
  selector: the truth, a judge's biased and noisy score, a sparse share of late ratings, or
  nothing;
- the *agents'* channel (``[observation.agents]``) is what the agents judge: a private copy of
  the call carrying its true quality (which each agent then sees through its own leniency,
  taste and noise), or the recorded copy (no private information, a control). Private copies
  are handed to agents only and are never written to the store.

Every random draw comes from the channel's own stream, one row per request whatever model
serves it, so runs under different policies see the same judge noise and the same ratings
(common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from scenarios.spec import ObservationSpec

__all__ = ["DueRating", "Observer"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DueRating:
    """A rating to add to a stored record once its step comes."""

    step: int
    record_id: str
    model_id: str
    task: str
    quality: float


class Observer:
    """Turns true qualities into recorded scores, and keeps the ratings still to come.

    Args:
        spec: The scenario's ``[observation]`` block.
    """

    def __init__(self, spec: ObservationSpec) -> None:
        self.spec = spec
        self._due: list[DueRating] = []

    @property
    def private(self) -> bool:
        """Whether agents see each call's truth rather than the recorded score."""
        return self.spec.agents.source == "truth"

    def recorded(
        self,
        model_id: str,
        truth: FloatArray,
        draws: FloatArray,
        *,
        step: int,
        task: str,
        record_ids: list[str],
    ) -> FloatArray:
        """The score the tracker records now for each call (``nan``: none yet).

        Args:
            model_id: The model that served the calls.
            truth: Their true qualities (``nan`` for failed calls).
            draws: ``(n, 2)`` uniforms for these calls from the channel's stream.
            step: The step the calls were made at.
            task: Their task.
            record_ids: Their record ids (for ratings that arrive later).
        """
        recorded = self.spec.recorded
        if recorded.kind == "truth":
            return truth
        if recorded.kind == "none":
            return np.full(len(truth), math.nan)
        if recorded.kind == "judge":
            bias = recorded.bias.get(model_id, 0.0)
            noise = recorded.noise_sd * _normal(draws[:, 0])
            return np.where(np.isnan(truth), math.nan, np.clip(truth + bias + noise, 0.0, 1.0))
        rated = (draws[:, 1] < recorded.share) & ~np.isnan(truth)
        if recorded.delay_steps == 0:
            return np.where(rated, truth, math.nan)
        for row in np.flatnonzero(rated).tolist():
            self._due.append(
                DueRating(
                    step + recorded.delay_steps, record_ids[row], model_id, task, float(truth[row])
                )
            )
        return np.full(len(truth), math.nan)

    def due(self, step: int) -> list[DueRating]:
        """The ratings that arrive at ``step`` (removed from the queue)."""
        ready = [r for r in self._due if r.step <= step]
        if ready:
            self._due = [r for r in self._due if r.step > step]
        return ready


def _normal(u: FloatArray) -> FloatArray:
    return np.asarray(ndtri(np.clip(u, 1e-12, 1 - 1e-12)), dtype=float)
