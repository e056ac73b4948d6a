"""The torch modules: the task network C and the selector network G."""

import math

import torch
from torch import nn


def _mlp(n_inputs, hidden_layer_sizes, n_outputs, dropout=0.0):
    layers = []
    width = n_inputs
    for size in hidden_layer_sizes:
        layers += [nn.Linear(width, size), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


class TaskMLP(nn.Module):
    """The paper's task network C: a 3-layer MLP from features to class logits.

    Parameters
    ----------
    n_features : int
        Number of input features.
    n_classes : int
        Number of classes (output logits).
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Widths of the hidden layers; the default gives three linear layers.
    dropout : float, default=0.0
        Dropout after each hidden layer.
    """

    def __init__(self, n_features, n_classes, hidden_layer_sizes=(128, 64), dropout=0.0):
        super().__init__()
        self.net = _mlp(n_features, hidden_layer_sizes, n_classes, dropout)

    def forward(self, X):
        return self.net(X)


class SelectorMLP(nn.Module):
    """The selector network G: a sample to its selection logit ``s_i``.

    Its input is the feature vector, optionally concatenated with the one-hot
    label and the (detached) per-sample loss of the task network, which is
    what lets it tell a mislabeled row from a clean one.

    Parameters
    ----------
    n_inputs : int
        Width of the selector's input.
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Widths of the two hidden layers.
    initial_probability : float, default=0.5
        The output bias starts at ``logit(initial_probability)``, so that the
        selection probabilities start near it (the budget, in ASSS).
    """

    def __init__(self, n_inputs, hidden_layer_sizes=(64, 32), initial_probability=0.5):
        super().__init__()
        self.net = _mlp(n_inputs, hidden_layer_sizes, 1)
        with torch.no_grad():
            self.net[-1].bias.fill_(math.log(initial_probability / (1 - initial_probability)))

    def forward(self, inputs):
        return self.net(inputs).squeeze(-1)


def per_sample_cross_entropy(logits, y):
    """Cross-entropy of each row, shape ``(n,)``."""
    return torch.nn.functional.cross_entropy(logits, y, reduction="none")
