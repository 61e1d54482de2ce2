#!/usr/bin/python3
"""Seed-spread fixtures for @gyre/ml's tree-ensemble tests, computed with Debian's scikit-learn.

Usage (from the repository root, with Debian's python3-sklearn installed):

    /usr/bin/python3 packages/ml/scripts/make_tree_fixtures.py [DATA_DIR]

Writes packages/ml/fixtures/trees-sklearn-seeds.json.

ml-baselines.md section 2.2 gives one figure per model, from one random_state. A random forest's test
metric moves with the seed (on ames, scikit-learn's own R^2 ranges over about 1.5 % across seeds), so
comparing a TypeScript forest's single seed with that one figure measures the RNG as much as the
algorithm. This script records scikit-learn's RandomForest metrics over seeds 0-4 on the reference
split with the `ord` encoding (section 0), and KMeans inertia over seeds 0-2 (section 2.2's k-means
setting: standardised features over all rows, k-means++, one init).

The split and `ord` encoding, written out again: mulberry32(42) drives a forward Fisher-Yates
shuffle of 0..n-1; test = the first round(0.2 n) indices sorted, train = the rest in shuffled order.
Numeric columns: missing -> training median. Categorical columns (strings): code of the level in the
file's sorted levels, missing -> its own level "__missing__" (sorted in with the others).
flights-200k: every 5th row of flights-1m.csv; month, day_of_month, day_of_week (Monday = 0),
dep_hour (hour + minute / 60), distance, origin, destination; target delay >= 15.
"""
import csv
import datetime
import json
import os
import platform
import sys

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "trees-sklearn-seeds.json")
DATA_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "..", "shared", "data")
FOREST_SEEDS = [0, 1, 2, 3, 4]
KMEANS_SEEDS = [0, 1, 2]


def mulberry32(seed):
    state = [seed & 0xFFFFFFFF]

    def rnd():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        s = state[0]
        t = ((s ^ (s >> 15)) * (1 | s)) & 0xFFFFFFFF
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & 0xFFFFFFFF)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rnd


def reference_split(n, seed=42):
    rnd = mulberry32(seed)
    idx = list(range(n))
    for i in range(n - 1):
        j = i + int(rnd() * (n - i))
        idx[i], idx[j] = idx[j], idx[i]
    n_test = round(0.2 * n)
    return np.array(idx[n_test:]), np.array(sorted(idx[:n_test]))


def read_columns(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns = {}
    for j, name in enumerate(header):
        raw = [r[j] for r in body]
        try:
            columns[name] = np.array([float(v) if v != "" else np.nan for v in raw])
        except ValueError:
            columns[name] = raw
    return columns


def ord_encode(columns, train):
    out = []
    for values in columns.values():
        if isinstance(values, list):
            filled = [v if v != "" else "__missing__" for v in values]
            code = {level: i for i, level in enumerate(sorted(set(filled)))}
            out.append(np.array([code[v] for v in filled], dtype=float))
        else:
            filled = values.copy()
            filled[np.isnan(filled)] = np.nanmedian(values[train])
            out.append(filled)
    return np.column_stack(out)


def flights_columns():
    columns = read_columns(os.path.join(DATA_DIR, "flights-1m.csv"))
    rows = range(0, len(columns["date"]), 5)
    dates = [datetime.datetime.strptime(columns["date"][i], "%Y-%m-%d %H:%M") for i in rows]
    features = {
        "month": np.array([d.month for d in dates], dtype=float),
        "day_of_month": np.array([d.day for d in dates], dtype=float),
        "day_of_week": np.array([d.weekday() for d in dates], dtype=float),
        "dep_hour": np.array([d.hour + d.minute / 60 for d in dates]),
        "distance": columns["distance"][::5],
        "origin": [columns["origin"][i] for i in rows],
        "destination": [columns["destination"][i] for i in rows],
    }
    target = (columns["delay"][::5] >= 15).astype(int)
    return features, target


DATASETS = {
    "breast-cancer": ("breast-cancer.csv", "target", "binary"),
    "penguins": ("penguins.csv", "species", "multiclass"),
    "letter": ("letter-recognition.csv", "lettr", "multiclass"),
    "ames": ("ames.csv", "Sale_Price", "regression"),
    "flights-200k": (None, None, "binary"),
}


def load(name):
    file, target_name, task = DATASETS[name]
    if file is None:
        features, y = flights_columns()
    else:
        features = read_columns(os.path.join(DATA_DIR, file))
        y = features.pop(target_name)
        if isinstance(y, list):
            y = np.array(y)
    train, test = reference_split(len(y))
    return ord_encode(features, train), y, train, test, task


def forest_metrics(name):
    x, y, train, test, task = load(name)
    per_seed = []
    for seed in FOREST_SEEDS:
        if task == "regression":
            model = RandomForestRegressor(n_estimators=100, n_jobs=2, random_state=seed).fit(x[train], y[train])
            p = model.predict(x[test])
            per_seed.append({"rmse": mean_squared_error(y[test], p) ** 0.5, "r2": r2_score(y[test], p)})
        else:
            model = RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=seed).fit(x[train], y[train])
            predicted = model.predict(x[test])
            scores = {"accuracy": accuracy_score(y[test], predicted)}
            if task == "binary":
                scores["rocAuc"] = roc_auc_score(y[test], model.predict_proba(x[test])[:, 1])
            else:
                scores["macroF1"] = f1_score(y[test], predicted, average="macro")
            per_seed.append(scores)
        print(name, seed, per_seed[-1], flush=True)
    metrics = per_seed[0].keys()
    return {
        "seeds": FOREST_SEEDS,
        "perSeed": per_seed,
        "mean": {m: float(np.mean([s[m] for s in per_seed])) for m in metrics},
        "min": {m: float(np.min([s[m] for s in per_seed])) for m in metrics},
        "max": {m: float(np.max([s[m] for s in per_seed])) for m in metrics},
    }


def standardised(matrix):
    return (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)


def kmeans_inertia(matrix, k):
    runs = [KMeans(k, n_init=1, random_state=s).fit(matrix) for s in KMEANS_SEEDS]
    return {
        "seeds": KMEANS_SEEDS,
        "inertia": [float(r.inertia_) for r in runs],
        "iterations": [int(r.n_iter_) for r in runs],
        "median": float(np.median([r.inertia_ for r in runs])),
    }


def main():
    letter = read_columns(os.path.join(DATA_DIR, "letter-recognition.csv"))
    letter.pop("lettr")
    flights, _ = flights_columns()
    flights_numeric = np.column_stack([flights[c] for c in ["month", "day_of_month", "day_of_week", "dep_hour", "distance"]])
    fixture = {
        "generator": "packages/ml/scripts/make_tree_fixtures.py",
        "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
        "randomForest": {name: forest_metrics(name) for name in DATASETS},
        "kmeans": {
            "letter": kmeans_inertia(standardised(np.column_stack(list(letter.values()))), 26),
            "flights-200k-numeric": kmeans_inertia(standardised(flights_numeric), 8),
        },
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
