"""Selective adversarial training: PGD on the part of each minibatch that matters.

:class:`SelectiveAdversarialClassifier` is a skorch ``NeuralNetClassifier``
that attacks, in every minibatch, only the share ``perturb_ratio`` of rows
picked by a selection rule (logit margin, gradient matching, random, or all
rows), and trains on ``L_adv + clean_weight * L_clean``.
:func:`pgd_attack` is the batched attack and :func:`make_robust_scorer` the
accuracy under attack as a scikit-learn scorer. The selection rules are
exposed as small functions on tensors.
"""

from ._classifier import SelectiveAdversarialClassifier
from ._pgd import default_step_size, pgd_attack
from ..nn._scores import logit_margin
from ._scoring import (
    SELECTION_RULES,
    gradient_matching_scores,
    gradient_weights,
    make_robust_scorer,
    margin_weights,
    n_perturbed,
    select_rows,
    weighted_draw,
)

__all__ = [
    "SELECTION_RULES",
    "SelectiveAdversarialClassifier",
    "default_step_size",
    "gradient_matching_scores",
    "gradient_weights",
    "logit_margin",
    "make_robust_scorer",
    "margin_weights",
    "n_perturbed",
    "pgd_attack",
    "select_rows",
    "weighted_draw",
]
