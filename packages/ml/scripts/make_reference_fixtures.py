#!/usr/bin/python3
"""Reference fixtures for @gyre/ml's tests, computed with Debian's scikit-learn.

Usage (from the repository root, with Debian's python3-sklearn and python3-scipy installed):

    /usr/bin/python3 packages/ml/scripts/make_reference_fixtures.py [DATA_DIR]

DATA_DIR defaults to ../shared/data. Writes packages/ml/fixtures/reference-models.json and
packages/ml/fixtures/reference-metrics.json.

The split and the `lin` encoding are those of ml-baselines.md section 0, written out here again
(mulberry32, forward Fisher-Yates, test = first round(0.2 n) shuffled indices sorted, train = the
rest in shuffled order; numeric: training median for missing values, then training mean and
population std, std 0 -> 1; categorical: one-hot over the file's sorted levels plus `__missing__`
when the training rows have missing values). The CSV typing rule is the TypeScript reader's: a
column is numeric when every field other than "" and "NA" is a plain decimal number.
"""
import csv
import datetime
import hashlib
import json
import math
import os
import platform
import re
import sys
import time

import numpy as np
import scipy
import scipy.optimize
import scipy.sparse as sp
import scipy.special
import sklearn
from sklearn import metrics
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "fixtures")
DATA_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "..", "shared", "data")
MISSING = {"", "NA"}
DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
MISSING_LEVEL = "__missing__"


# ---------------------------------------------------------------- data


def read_csv(path):
    """Columns as (name, kind, values): numeric -> float array with NaN, categorical -> (codes, levels)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns = {}
    for j, name in enumerate(header):
        raw = [r[j] for r in body]
        present = [v for v in raw if v not in MISSING]
        if all(DECIMAL.match(v) for v in present):
            columns[name] = ("numeric", np.array([float(v) if v not in MISSING else np.nan for v in raw]))
        else:
            levels = sorted(set(present))
            code = {v: i for i, v in enumerate(levels)}
            columns[name] = ("categorical", (np.array([code.get(v, -1) for v in raw], dtype=np.int64), levels))
    return header, columns


def mulberry32(seed):
    state = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def rnd():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(state ^ (state >> 15), 1 | state)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    return rnd


def reference_split(n, seed=42, test_fraction=0.2):
    rnd = mulberry32(seed)
    idx = list(range(n))
    for i in range(n - 1):
        j = i + math.floor(rnd() * (n - i))
        idx[i], idx[j] = idx[j], idx[i]
    n_test = round(test_fraction * n)
    return np.array(idx[n_test:], dtype=np.int64), np.array(sorted(idx[:n_test]), dtype=np.int64)


def sha256_u32(values):
    return hashlib.sha256(np.asarray(values, dtype="<u4").tobytes()).hexdigest()


def flights_columns(data_dir, every=5):
    """flights-200k: every 5th row; airport vocabularies from the whole file (all 1M rows)."""
    with open(os.path.join(data_dir, "flights-1m.csv"), newline="") as f:
        all_rows = list(csv.reader(f))[1:]
    o_levels = sorted({r[3] for r in all_rows})
    d_levels = sorted({r[4] for r in all_rows})
    rows = all_rows[::every]
    stamps = [datetime.datetime.strptime(r[0], "%Y-%m-%d %H:%M") for r in rows]

    def numeric(values):
        return ("numeric", np.array(values, dtype=float))

    def categorical(values, levels):
        code = {v: i for i, v in enumerate(levels)}
        return ("categorical", (np.array([code[v] for v in values], dtype=np.int64), levels))

    features = {
        "month": numeric([t.month for t in stamps]),
        "day_of_month": numeric([t.day for t in stamps]),
        "day_of_week": numeric([t.weekday() for t in stamps]),  # Monday = 0
        "dep_hour": numeric([t.hour + t.minute / 60 for t in stamps]),
        "distance": numeric([float(r[2]) for r in rows]),
        "origin": categorical([r[3] for r in rows], o_levels),
        "destination": categorical([r[4] for r in rows], d_levels),
    }
    late = (np.array([float(r[1]) for r in rows]) >= 15).astype(np.int64)
    return features, late


def load(name, data_dir):
    """(features dict in file order, target, classes or None)."""
    if name.startswith("flights"):
        features, y = flights_columns(data_dir)
        return features, y, ["0", "1"]
    file, target = {
        "breast-cancer": ("breast-cancer.csv", "target"),
        "penguins": ("penguins.csv", "species"),
        "letter": ("letter-recognition.csv", "lettr"),
        "ames": ("ames.csv", "Sale_Price"),
    }[name]
    header, cols = read_csv(os.path.join(data_dir, file))
    kind, values = cols[target]
    features = {h: cols[h] for h in header if h != target}
    if name == "ames":
        return features, values, None
    if kind == "categorical":
        codes, levels = values
        return features, codes, levels
    classes = sorted(set(values.tolist()))
    return features, np.array([classes.index(v) for v in values]), [str(int(c)) for c in classes]


def lin_encode(features, train, test, sparse=False):
    """Dense numeric block first (file order), then one-hot blocks (file order): the TS layout."""
    dense_tr, dense_te, blocks_tr, blocks_te, names = [], [], [], [], []
    for name, (kind, values) in features.items():
        if kind != "numeric":
            continue
        x = values.copy()
        med = np.nanmedian(x[train])
        x[np.isnan(x)] = med
        mu = x[train].mean()
        sd = x[train].std()
        sd = 1.0 if sd == 0 else sd
        dense_tr.append((x[train] - mu) / sd)
        dense_te.append((x[test] - mu) / sd)
        names.append(name)
    for name, (kind, values) in features.items():
        if kind != "categorical":
            continue
        codes, levels = values
        levels = list(levels)
        codes = codes.copy()
        if (codes[train] < 0).any():
            levels = sorted(levels + [MISSING_LEVEL])
            remap = np.array([levels.index(lv) for lv in values[1]])
            missing_code = levels.index(MISSING_LEVEL)
            codes = np.where(codes < 0, missing_code, remap[np.maximum(codes, 0)])
        for part, out in ((train, blocks_tr), (test, blocks_te)):
            c = codes[part]
            rows = np.nonzero(c >= 0)[0]
            out.append(sp.csr_matrix((np.ones(len(rows)), (rows, c[rows])), shape=(len(part), len(levels))))
        names.extend(f"{name}={lv}" for lv in levels)
    def assemble(dense, blocks, n):
        d = sp.csr_matrix(np.column_stack(dense)) if dense else sp.csr_matrix((n, 0))
        m = sp.hstack([d] + blocks, format="csr")
        return m if sparse else m.toarray()
    return assemble(dense_tr, blocks_tr, len(train)), assemble(dense_te, blocks_te, len(test)), names


def logistic_optimum(X, y, k, start, C=1.0):
    """The exact optimum of scikit-learn's objective (summed log-loss + ||w||^2 / 2C, free intercepts),
    from an independent numpy implementation driven by scipy's L-BFGS-B to a 1e-10 gradient with the
    relative-decrease test off. scikit-learn itself stops at tol=1e-4 or ftol=2.2e-9 first."""
    n, p = X.shape
    outputs = 1 if k == 2 else k
    Y = np.eye(k)[y]

    def objective(theta):
        W = theta[: outputs * p].reshape(outputs, p)
        b = theta[outputs * p :]
        Z = X @ W.T + b
        if k == 2:
            z = Z[:, 0]
            loss = np.sum(np.logaddexp(0, z) - y * z)
            R = (scipy.special.expit(z) - y)[:, None]
        else:
            lse = scipy.special.logsumexp(Z, axis=1)
            loss = np.sum(lse - Z[np.arange(n), y])
            R = np.exp(Z - lse[:, None]) - Y
        loss += 0.5 / C * np.sum(W * W)
        grad = np.concatenate([(R.T @ X + W / C).ravel(), R.sum(axis=0)])
        return loss, grad

    theta0 = np.concatenate([start.coef_.ravel(), start.intercept_])
    res = scipy.optimize.minimize(objective, theta0, jac=True, method="L-BFGS-B", options={"gtol": 1e-10, "ftol": 0, "maxiter": 100000})
    assert np.max(np.abs(res.jac)) < 1e-6, res  # rounding noise of the summed loss stops it near 1e-7
    return res.x[: outputs * p].reshape(outputs, p), res.x[outputs * p :]


def report(data, model, seconds):
    """Fit times vary from run to run, so they go to stderr, not into the fixtures."""
    print(f"{data}: {model} fit {seconds * 1000:.1f} ms", file=sys.stderr)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


# ---------------------------------------------------------------- models


def model_fixtures(data_dir):
    out = {"splits": {}, "models": {}}
    for name in ["breast-cancer", "penguins", "letter", "ames", "flights-200k"]:
        features, y, classes = load(name, data_dir)
        n = len(y)
        train, test = reference_split(n)
        out["splits"][name] = {
            "n": n,
            "n_train": len(train),
            "n_test": len(test),
            "test_head": test[:10].tolist(),
            "train_head": train[:10].tolist(),
            "test_sha256": sha256_u32(test),
            "train_sha256": sha256_u32(train),
        }
        X_tr, X_te, names = lin_encode(features, train, test, sparse=name.startswith("flights"))
        y_tr, y_te = y[train], y[test]
        entry = {"n_features": len(names)}
        if name == "ames":
            ridge, fit_s = timed(lambda: Ridge(alpha=1.0).fit(X_tr, y_tr))
            report(name, "Ridge", fit_s)
            pred = ridge.predict(X_te)
            entry["ridge"] = {
                "params": {"alpha": 1.0},
                "rmse": metrics.mean_squared_error(y_te, pred, squared=False),
                "r2": metrics.r2_score(y_te, pred),
                "coef": ridge.coef_.tolist(),
                "intercept": float(ridge.intercept_),
                "feature_names": names,
            }
            ols, fit_s = timed(lambda: LinearRegression().fit(X_tr, y_tr))
            report(name, "LinearRegression", fit_s)
            pred = ols.predict(X_te)
            entry["linear_regression"] = {
                "rmse": metrics.mean_squared_error(y_te, pred, squared=False),
                "r2": metrics.r2_score(y_te, pred),
            }
            # A least-squares solution that cuts singular values below 1e-8 of the largest (centered).
            mu = X_tr.mean(axis=0)
            w, _, rank, _ = np.linalg.lstsq(X_tr - mu, y_tr - y_tr.mean(), rcond=1e-8)
            entry["lstsq_rcond_1e-8"] = {
                "r2": metrics.r2_score(y_te, (X_te - mu) @ w + y_tr.mean()),
                "train_r2": metrics.r2_score(y_tr, (X_tr - mu) @ w + y_tr.mean()),
                "rank": int(rank),
            }
        else:
            model, fit_s = timed(lambda: LogisticRegression(max_iter=1000).fit(X_tr, y_tr))
            report(name, "LogisticRegression", fit_s)
            proba = model.predict_proba(X_te)
            pred = proba.argmax(axis=1)
            result = {
                "params": {"max_iter": 1000},
                "n_iter": int(model.n_iter_.max()),
                "accuracy": metrics.accuracy_score(y_te, pred),
            }
            if len(classes) == 2:
                result["roc_auc"] = metrics.roc_auc_score(y_te, proba[:, 1])
            else:
                result["macro_f1"] = metrics.f1_score(y_te, pred, average="macro")
            if name in ("breast-cancer", "penguins"):
                result["coef"] = model.coef_.tolist()
                result["intercept"] = model.intercept_.tolist()
                result["test_proba"] = proba.tolist()
                result["feature_names"] = names
                coef, intercept = logistic_optimum(X_tr, y_tr, len(classes), model)
                result["optimum"] = {"coef": coef.tolist(), "intercept": intercept.tolist()}
            entry["logistic_regression"] = result
        out["models"][name] = entry
    return out


# ---------------------------------------------------------------- metrics


def metric_fixtures():
    rng = np.random.RandomState(7)
    cases = {}

    # Binary scores with heavy ties (rounded to one decimal) and a positive rate near 0.4.
    n = 40
    y_bin = (rng.rand(n) < 0.4).astype(int)
    score = np.round(np.clip(0.35 * y_bin + rng.rand(n) * 0.65, 0, 1), 1)
    pred_bin = (score >= 0.5).astype(int)
    cases["binary"] = {
        "y_true": y_bin.tolist(),
        "score": score.tolist(),
        "y_pred": pred_bin.tolist(),
        "accuracy": metrics.accuracy_score(y_bin, pred_bin),
        "precision": metrics.precision_score(y_bin, pred_bin),
        "recall": metrics.recall_score(y_bin, pred_bin),
        "f1": metrics.f1_score(y_bin, pred_bin),
        "roc_auc": metrics.roc_auc_score(y_bin, score),
        "average_precision": metrics.average_precision_score(y_bin, score),
        "log_loss": metrics.log_loss(y_bin, score),
        "brier": metrics.brier_score_loss(y_bin, score),
        "confusion_matrix": metrics.confusion_matrix(y_bin, pred_bin).tolist(),
        "calibration_uniform_5": list(map(list, calibration_curve(y_bin, score, n_bins=5, strategy="uniform"))),
        "calibration_quantile_4": list(map(list, calibration_curve(y_bin, score, n_bins=4, strategy="quantile"))),
    }
    for avg in ["binary", "macro", "micro", "weighted"]:
        p, r, f, _ = metrics.precision_recall_fscore_support(y_bin, pred_bin, average=avg, zero_division=0)
        cases["binary"][f"prf_{avg}"] = [p, r, f]

    # Continuous binary scores (no ties), for the calibration curves' bin edges between points.
    y_c = (rng.rand(60) < 0.5).astype(int)
    s_c = np.clip(0.3 * y_c + 0.7 * rng.rand(60), 0, 1)
    cases["binary_continuous"] = {
        "y_true": y_c.tolist(),
        "score": s_c.tolist(),
        "roc_auc": metrics.roc_auc_score(y_c, s_c),
        "average_precision": metrics.average_precision_score(y_c, s_c),
        "log_loss": metrics.log_loss(y_c, s_c),
        "brier": metrics.brier_score_loss(y_c, s_c),
        "calibration_uniform_10": list(map(list, calibration_curve(y_c, s_c, n_bins=10, strategy="uniform"))),
        "calibration_quantile_5": list(map(list, calibration_curve(y_c, s_c, n_bins=5, strategy="quantile"))),
    }

    # Four classes, probabilities with ties, one class never predicted.
    k = 4
    n = 50
    y_mc = rng.randint(0, k, n)
    logits = rng.randn(n, k) + 1.5 * np.eye(k)[y_mc]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    proba = np.round(proba, 2)
    proba = proba / proba.sum(axis=1, keepdims=True)
    pred_mc = proba.argmax(axis=1)
    pred_mc[pred_mc == 3] = 2  # class 3 is never predicted: zero-division precision
    cases["multiclass"] = {
        "n_classes": k,
        "y_true": y_mc.tolist(),
        "proba": proba.tolist(),
        "y_pred": pred_mc.tolist(),
        "accuracy": metrics.accuracy_score(y_mc, pred_mc),
        "roc_auc_ovr_macro": metrics.roc_auc_score(y_mc, proba, multi_class="ovr", average="macro"),
        "roc_auc_ovr_weighted": metrics.roc_auc_score(y_mc, proba, multi_class="ovr", average="weighted"),
        "log_loss": metrics.log_loss(y_mc, proba),
        "confusion_matrix": metrics.confusion_matrix(y_mc, pred_mc).tolist(),
    }
    for avg in ["macro", "micro", "weighted"]:
        p, r, f, _ = metrics.precision_recall_fscore_support(y_mc, pred_mc, average=avg, zero_division=0)
        cases["multiclass"][f"prf_{avg}"] = [p, r, f]

    # Edge cases.
    cases["edge"] = {
        "no_predicted_positive": {
            "y_true": [0, 1, 1, 0],
            "y_pred": [0, 0, 0, 0],
            "prf_binary": list(metrics.precision_recall_fscore_support([0, 1, 1, 0], [0, 0, 0, 0], average="binary", zero_division=0)[:3]),
        },
        "perfect_ranking": {"y_true": [0, 0, 1, 1], "score": [0.1, 0.2, 0.8, 0.9], "roc_auc": metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]), "average_precision": metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])},
        "all_tied": {"y_true": [0, 1, 0, 1, 1], "score": [0.5] * 5, "roc_auc": metrics.roc_auc_score([0, 1, 0, 1, 1], [0.5] * 5), "average_precision": metrics.average_precision_score([0, 1, 0, 1, 1], [0.5] * 5)},
        "log_loss_clipped": {"y_true": [0, 1, 1], "score": [0.0, 1.0, 0.0], "log_loss": metrics.log_loss([0, 1, 1], [0.0, 1.0, 0.0])},
        "r2_constant_truth": {"y_true": [3.0, 3.0, 3.0], "y_pred": [3.0, 3.0, 2.0], "r2": metrics.r2_score([3.0, 3.0, 3.0], [3.0, 3.0, 2.0])},
        "r2_constant_exact": {"y_true": [3.0, 3.0], "y_pred": [3.0, 3.0], "r2": metrics.r2_score([3.0, 3.0], [3.0, 3.0])},
        "mape_zero_truth": {"y_true": [0.0, 2.0, -4.0], "y_pred": [1e-3, 1.0, -5.0], "mape": metrics.mean_absolute_percentage_error([0.0, 2.0, -4.0], [1e-3, 1.0, -5.0])},
    }

    # Regression.
    y_r = np.round(rng.randn(30) * 10 + 50, 3)
    p_r = np.round(y_r + rng.randn(30) * 4, 3)
    cases["regression"] = {
        "y_true": y_r.tolist(),
        "y_pred": p_r.tolist(),
        "rmse": metrics.mean_squared_error(y_r, p_r, squared=False),
        "mae": metrics.mean_absolute_error(y_r, p_r),
        "r2": metrics.r2_score(y_r, p_r),
        "mape": metrics.mean_absolute_percentage_error(y_r, p_r),
    }
    return cases


def header():
    return {
        "generated_by": "packages/ml/scripts/make_reference_fixtures.py",
        "python": platform.python_version(),
        "scikit_learn": sklearn.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
    }


def write(name, payload):
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump({"header": header(), **payload}, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    os.makedirs(OUT_DIR, exist_ok=True)
    write("reference-metrics.json", {"cases": metric_fixtures()})
    write("reference-models.json", model_fixtures(DATA_DIR))
