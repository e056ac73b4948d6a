"""
====================================================
Selective adversarial training: which rows to attack
====================================================

PGD adversarial training attacks every row of every minibatch, at ``n_steps``
extra forward and backward passes per row.
:class:`~sklearn_asss.adversarial.SelectiveAdversarialClassifier` attacks only
a share ``perturb_ratio`` of each minibatch, chosen by a rule, and trains on
``L_adv + clean_weight * L_clean``. This example trains it on scikit-learn's
digits (pixels scaled to [0, 1]) with every rule at 25%, and with all rows
attacked, then measures clean accuracy, accuracy under a stronger PGD attack
than the one used in training, and the PGD passes each one spent.

One split, one seed and few epochs keep the example quick: the differences it
shows between the rules are within seed-to-seed noise unless they are large.
The benchmark pages hold the measured comparison over several seeds.
"""

# %%
# Train one classifier per selection rule
# ---------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_asss.adversarial import SelectiveAdversarialClassifier, make_robust_scorer

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

epsilon = 0.1
common = {"epsilon": epsilon, "n_steps": 5, "clip": (0.0, 1.0), "max_epochs": 12,
          "warmup_epochs": 2, "random_state": 0}
settings = {
    "all rows": {"selection": "all"},
    "margin 25%": {"selection": "margin", "perturb_ratio": 0.25},
    "gradient 25%": {"selection": "gradient", "perturb_ratio": 0.25},
    "random 25%": {"selection": "random", "perturb_ratio": 0.25},
    "no attack": {"selection": "random", "perturb_ratio": 0.25, "epsilon": 0.0},
}
classifiers = {
    name: SelectiveAdversarialClassifier(**{**common, **params}).fit(X_train, y_train)
    for name, params in settings.items()
}

# %%
# Evaluate: clean and under attack
# --------------------------------
# :func:`~sklearn_asss.adversarial.make_robust_scorer` is a scikit-learn
# scorer: the accuracy on test rows perturbed by PGD, here with 20 steps
# (four times the training attack), at the training radius. ``no attack``
# trains with ``epsilon=0``: plain training, for reference.
robust = make_robust_scorer(epsilon, n_steps=20, clip=(0.0, 1.0), random_state=0)
rows = []
for name, clf in classifiers.items():
    rows.append((name, clf.score(X_test, y_test), robust(clf, X_test, y_test),
                 int(clf.adversarial_passes_)))
print(f"{'training':<14}{'clean acc.':>11}{'PGD-20 acc.':>13}{'PGD passes':>12}")
for name, clean, attacked, passes in rows:
    print(f"{name:<14}{clean:>11.3f}{attacked:>13.3f}{passes:>12,}")

# %%
# Robustness against cost
# -----------------------
# Each point is one classifier: the PGD passes it spent in training
# (horizontal) and its accuracy under attack (vertical). A rule is worth it
# when it reaches the robustness of attacking every row at a fraction of the
# passes.
fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
for name, clean, attacked, passes in rows:
    if name == "no attack":
        ax.axhline(attacked, color="0.5", linestyle=":", label="no attack (plain training)")
        continue
    ax.scatter(passes, attacked, s=60, label=name)
ax.set_xlabel("PGD passes spent in training (one row through one step)")
ax.set_ylabel("accuracy under PGD-20")
ax.set_xlim(left=0)
ax.legend()
ax.set_title(f"digits, epsilon = {epsilon}")
plt.show()

# %%
# The training history records the passes of each epoch and the rule used:
# the margin and gradient rules draw at random during the warm-up epochs,
# when their scores would mean nothing.
margin = classifiers["margin 25%"]
print("rule per epoch:", margin.history_[:, "adv_selection"])
print("passes per epoch:", margin.history_[:, "adv_passes"])
