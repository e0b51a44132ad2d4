"""Why a customer got their score: the inputs that moved it most, from TreeSHAP values.

LightGBM computes exact TreeSHAP itself (``predict(..., pred_contrib=True)``): per customer, one
value per input in log-odds, summing with the expected value to the model's raw score.  A positive
value raises the probability, a negative one lowers it; calibration is monotone, so the direction
holds for the calibrated probability too.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

TOP = 3
CHUNK = 100_000  # rows per pred_contrib call: bounds memory at (CHUNK x inputs) floats


def _shown(value) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (float, np.floating)):
        return float(f"{float(value):.4g}")
    if isinstance(value, (np.integer,)):
        return int(value)
    return str(value)


def top_reasons(score, frame: pd.DataFrame, k: int = TOP) -> tuple[list[str], np.ndarray]:
    """Per row of ``frame``: a JSON list of the ``k`` inputs with the largest |SHAP value|, each
    ``{"feature", "value", "contribution", "direction"}`` (direction "up": raises the probability);
    and the mean |SHAP value| of every input over the rows (global importance)."""
    columns = score.encoding.columns
    x = score.encoding.transform(frame)
    reasons: list[str] = []
    total = np.zeros(len(columns))
    for start in range(0, len(frame), CHUNK):
        part = x.iloc[start:start + CHUNK]
        contrib = score.booster.predict(part, pred_contrib=True, num_threads=score.params["num_threads"])[:, :-1]
        total += np.abs(contrib).sum(axis=0)
        top = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :k]
        values = part.to_numpy(dtype=object)
        for i in range(len(part)):
            reasons.append(json.dumps([
                {"feature": columns[j], "value": _shown(values[i, j]), "contribution": round(float(contrib[i, j]), 4),
                 "direction": "up" if contrib[i, j] > 0 else "down"} for j in top[i]], separators=(",", ":")))
    return reasons, total / max(len(frame), 1)


def global_importance(score, mean_abs: np.ndarray) -> list[dict]:
    """Inputs by mean |SHAP value| (log-odds), largest first."""
    order = np.argsort(-mean_abs, kind="stable")
    return [{"feature": score.encoding.columns[j], "mean_abs_shap": float(mean_abs[j])} for j in order]


def reasons_text(reasons_json: str) -> str:
    """One line a person reads: "recency_days 212 raises, orders_90d 0 raises, income - lowers"."""
    parts = []
    for r in json.loads(reasons_json):
        value = "missing" if r["value"] is None else r["value"]
        parts.append(f"{r['feature']} {value} {'raises' if r['direction'] == 'up' else 'lowers'}")
    return "; ".join(parts)
