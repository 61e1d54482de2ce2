#!/usr/bin/python3
"""scikit-learn as a peer in the same benchmark run (bench/ml, issue 4).

On a shared machine, wall times measured at different moments are not comparable; this fits
scikit-learn's model on exactly the matrices Gyre was given, right after Gyre, under the same load.

Usage: /usr/bin/python3 bench/ml/sklearn_peer.py SPEC.json
SPEC: {"model": "hist_gradient_boosting" | "random_forest", "threads": 2,
       "n_train": N, "n_test": M, "d": D, "categorical": [bool] * D,
       "x_train": path (float64, column-major D x N), "y_train": path (int32),
       "x_test": path (float64, column-major D x M), "y_test": path (int32)}
Settings of ml-baselines.md §2.1: HistGradientBoostingClassifier(max_iter=100,
early_stopping=False, categorical_features=the ord code columns), RandomForestClassifier(
n_estimators=100, n_jobs=threads). OMP_NUM_THREADS must be set by the caller (HGB's threads).
Prints one JSON object: fit wall and CPU seconds (all threads), the test metric, versions.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import accuracy_score, roc_auc_score


def matrix(path, d, n):
    return np.ascontiguousarray(np.fromfile(path, dtype="<f8").reshape(d, n).T)


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    d = spec["d"]
    x_train = matrix(spec["x_train"], d, spec["n_train"])
    x_test = matrix(spec["x_test"], d, spec["n_test"])
    y_train = np.fromfile(spec["y_train"], dtype="<i4")
    y_test = np.fromfile(spec["y_test"], dtype="<i4")
    if spec["model"] == "hist_gradient_boosting":
        mask = np.array(spec["categorical"], dtype=bool)
        model = HistGradientBoostingClassifier(
            max_iter=100, early_stopping=False, categorical_features=mask if mask.any() else None
        )
    else:
        model = RandomForestClassifier(n_estimators=100, n_jobs=spec["threads"])
    wall = time.perf_counter()
    cpu = time.process_time()
    model.fit(x_train, y_train)
    fit_cpu = time.process_time() - cpu
    fit = time.perf_counter() - wall
    proba = model.predict_proba(x_test)
    if proba.shape[1] == 2:
        metric = roc_auc_score(y_test, proba[:, 1])
    else:
        metric = accuracy_score(y_test, np.argmax(proba, axis=1))
    print(
        json.dumps(
            {
                "fit_s": fit,
                "fit_cpu_s": fit_cpu,
                "metric": float(metric),
                "sklearn": sklearn.__version__,
                "numpy": np.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
