"""Readable rules that reproduce a segmentation: a shallow decision tree fitted to the assignment.

A segment a team cannot describe in a sentence is a segment it will not act on.  The tree is grown
one level at a time until it reproduces ``target`` of the assignment on customers it was not
fitted on (its *fidelity*), so the rules are as short as the segments allow and the stated
fidelity is an honest, held-out number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from kenal.schema import protected_columns

TARGET_FIDELITY = 0.9
MAX_DEPTH = 8
RULES_PER_SEGMENT = 3


@dataclass
class Rule:
    """One path of the tree: every condition must hold.  ``coverage`` is the share of the segment's
    customers the rule matches; ``precision`` the share of matched customers who are in the segment."""

    conditions: list[dict]  # {"feature", "op" (">" or "<="), "value"}
    coverage: float
    precision: float

    def text(self, name=str) -> str:
        return " and ".join(condition_text(c, name) for c in self.conditions) or "everyone"


def condition_text(condition: dict, name=str) -> str:
    text = f"{name(condition['feature'])} {condition['op']} {_number(condition['value'])}"
    return f"({text} or unknown)" if condition.get("or_missing") else text


@dataclass
class SurrogateRules:
    fidelity: float  # share of held-out customers the rules put in their own segment
    depth: int
    n_rules: int  # leaves of the tree
    features: list[str]
    rules: dict[int, list[Rule]] = field(default_factory=dict)  # segment id -> its main rules

    def summary(self) -> str:
        return (f"These {self.n_rules} rules (a decision tree of depth {self.depth}) reproduce "
                f"{self.fidelity:.0%} of the assignment on customers they were not fitted on.")


def _number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def rule_features(features: pd.DataFrame, exclude: tuple[str, ...] = ()) -> list[str]:
    """Numeric and boolean columns a rule may use (never a protected attribute)."""
    exclude = (*exclude, *protected_columns())
    return [c for c in features.columns if c != "customer_id" and c not in exclude
            and (pd.api.types.is_numeric_dtype(features[c]) or pd.api.types.is_bool_dtype(features[c]))]


def fit_surrogate(features: pd.DataFrame, labels: np.ndarray, columns: list[str], target: float = TARGET_FIDELITY,
                  max_depth: int = MAX_DEPTH, sample: int = 100_000, random_state: int = 0) -> SurrogateRules:
    """The shallowest tree (depth 1..``max_depth``) whose held-out fidelity reaches ``target``, or the
    deepest one.  Customers with a negative label (unassigned) are left out; a missing value (an
    unknown rating, say) follows the branch the tree learnt for it."""
    X = features[columns].astype(float).to_numpy()
    y = np.asarray(labels)
    whole = [_whole(c) for c in X.T]
    keep = y >= 0
    X, y = X[keep], y[keep]
    if len(y) > sample:
        idx = np.random.default_rng(random_state).choice(len(y), size=sample, replace=False)
        X, y = X[idx], y[idx]
    stratify = y if np.bincount(y).min(initial=len(y)) >= 2 else None
    X_fit, X_held, y_fit, y_held = train_test_split(X, y, test_size=0.3, random_state=random_state,
                                                    stratify=stratify)
    # a leaf must hold enough customers to be a rule worth reading
    min_leaf = max(5, len(y_fit) // 200)
    for depth in range(1, max_depth + 1):
        tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=min_leaf, random_state=random_state)
        tree.fit(X_fit, y_fit)
        fidelity = float((tree.predict(X_held) == y_held).mean())
        if fidelity >= target:
            break
    return SurrogateRules(fidelity=fidelity, depth=depth, n_rules=int(tree.get_n_leaves()), features=list(columns),
                          rules=_segment_rules(tree, X, y, columns, whole))


def _segment_rules(tree: DecisionTreeClassifier, X: np.ndarray, y: np.ndarray, columns: list[str],
                   whole: list[bool]) -> dict[int, list[Rule]]:
    t = tree.tree_
    has_missing = np.isnan(X).any(axis=0)
    paths: dict[int, list[tuple[int, str, float, bool]]] = {0: []}
    for node in range(t.node_count):  # parents come before children in sklearn's node order
        if t.children_left[node] != -1:
            f, v = int(t.feature[node]), float(t.threshold[node])
            left = bool(has_missing[f] and t.missing_go_to_left[node])
            paths[t.children_left[node]] = paths[node] + [(f, "<=", v, left)]
            paths[t.children_right[node]] = paths[node] + [(f, ">", v, bool(has_missing[f]) and not left)]
    leaf_of = tree.apply(X)
    segment_sizes = pd.Series(y).value_counts()
    rules: dict[int, list[Rule]] = {}
    for leaf in np.unique(leaf_of):
        in_leaf = leaf_of == leaf
        segment = int(tree.classes_[np.argmax(t.value[leaf][0])])
        members = int((y[in_leaf] == segment).sum())
        rules.setdefault(segment, []).append(Rule(_simplify(paths[leaf], columns, whole),
                                                  coverage=members / int(segment_sizes[segment]),
                                                  precision=members / int(in_leaf.sum())))
    return {s: sorted(r, key=lambda rule: -rule.coverage)[:RULES_PER_SEGMENT] for s, r in sorted(rules.items())}


def _simplify(path: list[tuple[int, str, float, bool]], columns: list[str], whole: list[bool]) -> list[dict]:
    """One lower and one upper bound per feature: the tightest along the path.  A missing value
    passes a bound only when it took that branch at every split on the feature.  A count reads as
    whole numbers ("orders >= 3", not "orders > 2.5")."""
    bounds: dict[tuple[int, str], float] = {}
    or_missing: dict[int, bool] = {}
    for f, op, v, missing in path:
        tighter = max if op == ">" else min
        bounds[f, op] = tighter(v, bounds.get((f, op), v))
        or_missing[f] = or_missing.get(f, True) and missing
    order = list(or_missing)
    return [_condition(columns[f], op, v, whole[f], or_missing[f])
            for (f, op), v in sorted(bounds.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1] != ">"))]


def _whole(column: np.ndarray) -> bool:
    return bool(np.all(np.mod(column[np.isfinite(column)], 1) == 0))


def _condition(feature: str, op: str, value: float, whole: bool, or_missing: bool = False) -> dict:
    if whole:
        op, value = (">=", float(np.floor(value) + 1)) if op == ">" else ("<=", float(np.floor(value)))
    return {"feature": feature, "op": op, "value": value, "or_missing": or_missing}


def single_feature_driver(features: pd.DataFrame, labels: np.ndarray, columns: list[str],
                          min_f1: float = 0.9) -> dict[int, tuple[dict, float]]:
    """Segments that one threshold on one feature reproduces (F1 >= ``min_f1`` against the rest):
    segment id -> (that condition, F1).  Such a segment adds little beyond that feature."""
    X = features[columns].astype(float).to_numpy()
    y = np.asarray(labels)
    out = {}
    for segment in np.unique(y[y >= 0]):
        target = y == segment
        stump = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, target)
        t = stump.tree_
        if t.node_count == 1:
            continue
        predicted = stump.predict(X)
        f1 = 2 * float((predicted & target).sum()) / (float(predicted.sum()) + float(target.sum()))
        if f1 >= min_f1:
            f = int(t.feature[0])
            members_left = t.value[1][0][1] > t.value[1][0][0]  # the segment is the left (<=) side
            out[int(segment)] = (_condition(columns[f], "<=" if members_left else ">", float(t.threshold[0]),
                                            _whole(X[:, f])), f1)
    return out
