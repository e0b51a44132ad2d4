"""Scores: per-customer predictions.  The buy-till-you-die family for customer lifetime value:
BG/NBD and Pareto/NBD for purchases, Gamma-Gamma for spend per purchase."""

from kenal.scores.bgnbd import BetaGeoModel
from kenal.scores.clv import HoldoutComparison, holdout_comparison, purchase_outlook, summarise_transactions
from kenal.scores.gammagamma import GammaGammaModel
from kenal.scores.paretonbd import ParetoNBDModel

__all__ = ["BetaGeoModel", "GammaGammaModel", "HoldoutComparison", "ParetoNBDModel", "holdout_comparison",
           "purchase_outlook", "summarise_transactions"]
