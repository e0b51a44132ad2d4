"""Scores: per-customer predictions.  The buy-till-you-die family for customer lifetime value:
BG/NBD and Pareto/NBD for purchases, Gamma-Gamma for spend per purchase; churn risk and category
propensities from gradient-boosted trees trained on earlier snapshots, calibrated, validated out of
time and explained (``kenal score``)."""

from kenal.scores.bgnbd import BetaGeoModel
from kenal.scores.clv import HoldoutComparison, holdout_comparison, purchase_outlook, summarise_transactions
from kenal.scores.gammagamma import GammaGammaModel
from kenal.scores.paretonbd import ParetoNBDModel
from kenal.scores.scoring import ScoreOptions, ScoreResult, compute_scores, export_scores, save_scores, score_workspace

__all__ = ["BetaGeoModel", "GammaGammaModel", "HoldoutComparison", "ParetoNBDModel", "ScoreOptions", "ScoreResult",
           "compute_scores", "export_scores", "holdout_comparison", "purchase_outlook", "save_scores",
           "score_workspace", "summarise_transactions"]
