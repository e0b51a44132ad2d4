"""How many customers kept their segment between two snapshots, and why the others moved.

With ids kept stable across re-fits, a customer's move is either real (the previous model, applied
to the customer's new features, moves them too: their behaviour changed) or re-fit noise (the
previous model would have kept them; only the new fit's boundaries moved).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class Stability:
    customers: int  # in both snapshots
    kept: float  # share who kept their segment
    moved_by_behaviour: float  # share moved because their own behaviour changed
    moved_by_refit: float  # share moved only because the segments were re-fitted

    def to_dict(self) -> dict:
        return asdict(self)


def stability(previous: np.ndarray, previous_model_now: np.ndarray, current: np.ndarray) -> Stability:
    """Labels (stable ids) of the same customers: their segment in the previous snapshot, the
    previous model's segment for their current features, and their current segment."""
    previous, before_refit, current = (np.asarray(a) for a in (previous, previous_model_now, current))
    moved = current != previous
    n = len(current)
    share = (lambda mask: float(mask.sum()) / n) if n else (lambda mask: 0.0)
    return Stability(n, share(~moved), share(moved & (before_refit != previous)),
                     share(moved & (before_refit == previous)))
