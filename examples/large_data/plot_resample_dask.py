"""
===============================================
Subsampling a Parquet table with Dask and ASSS
===============================================

:func:`~sklearn_asss.dask.resample_dask` selects rows of a Dask DataFrame
partition by partition: ASSS is fitted on an in-memory stratified sample,
every partition is scored in parallel, and the per-class budgets are met
exactly over the whole table. Here the table is small and written to a
temporary folder as Parquet; a real one would be read the same way, from
files too large for one machine's memory.
"""

# %%
# A table on disk
# ---------------
# Four Parquet files of 5,000 rows each, three classes, one of them rare.
import tempfile

import dask.dataframe as dd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification

from sklearn_asss import ASSSSampler, RandomSampler, class_budgets
from sklearn_asss.dask import resample_dask, resample_in_memory

X, y = make_classification(
    n_samples=20_000, n_features=8, n_informative=5, n_classes=3,
    weights=[0.7, 0.25, 0.05], random_state=0,
)  # fmt: skip
table = pd.DataFrame(X, columns=[f"x{j}" for j in range(8)]).assign(label=y)
folder = tempfile.mkdtemp()
dd.from_pandas(table, npartitions=4).to_parquet(folder)

# %%
# Select on a cluster
# -------------------
# Two local workers stand in for a real cluster. ASSS is fitted on a
# stratified sample of 4,000 rows (``fit_size``); the result is lazy Dask
# collections with the kept rows, their labels and their global positions.
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0")
client = Client(cluster)

frame = dd.read_parquet(folder)
features = frame.drop(columns="label")
sampler = ASSSSampler(keep_ratio=0.1, max_epochs=3, random_state=0)
X_kept, y_kept, positions = resample_dask(
    sampler, features, frame["label"], fit_size=4_000, random_state=0
)
kept_labels = y_kept.compute()
print(f"kept {len(kept_labels)} of {len(table)} rows")
print("per class:", kept_labels.value_counts().sort_index().to_dict())

# %%
# The budgets are exact: the rule of :func:`~sklearn_asss.class_budgets` on
# the global class counts, with the sampler's ``keep_ratio`` and
# ``min_samples_per_class``.
counts = np.bincount(table["label"])
budgets = class_budgets(counts, round(0.1 * len(table)), sampler.min_samples_per_class)
print("budgets:  ", dict(enumerate(budgets.tolist())))
assert (kept_labels.value_counts().sort_index().to_numpy() == budgets).all()

# %%
# The same rows in memory
# -----------------------
# :func:`~sklearn_asss.dask.resample_in_memory` computes the same selection
# with one sort of the whole table: with the sampler fitted above
# (``prefit=True``) and the same seed, it keeps the same rows.
_, _, positions_in_memory = resample_in_memory(
    sampler, table.drop(columns="label"), table["label"], fit_size=4_000, prefit=True,
    random_state=0,
)  # fmt: skip
print("same rows as in memory:", np.array_equal(positions.compute(), positions_in_memory))

# %%
# A random draw to compare with
# -----------------------------
# :class:`~sklearn_asss.RandomSampler` under the same budgets (give it the
# same ``min_samples_per_class``), from the same partitions.
_, y_random, _ = resample_dask(
    RandomSampler(keep_ratio=0.1, min_samples_per_class=sampler.min_samples_per_class),
    features, frame["label"], random_state=0,
)  # fmt: skip
random_counts = y_random.compute().value_counts().sort_index()
print("random, per class:", random_counts.to_dict())

client.close()
cluster.close()

# %%
# Rows per class, in the table and in both subsets: the same budgets, the
# rare class included.
fig, ax = plt.subplots(figsize=(6, 3.5))
width = 0.28
classes = np.arange(len(counts))
ax.bar(classes - width, counts, width, label="table")
ax.bar(classes, kept_labels.value_counts().sort_index(), width, label="ASSS, 10%")
ax.bar(classes + width, random_counts, width, label="random, 10%")
ax.set_yscale("log")
ax.set_xticks(classes)
ax.set_xlabel("class")
ax.set_ylabel("rows")
ax.legend()
fig.tight_layout()
plt.show()
