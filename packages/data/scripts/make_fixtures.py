#!/usr/bin/python3
"""Reference figures for @gyre/data's tests, computed independently with pandas, numpy and scipy.

Run once with Debian bookworm's packages (apt-get install python3-pandas python3-scipy):
    /usr/bin/python3 packages/data/scripts/make_fixtures.py [DATA_DIR]
DATA_DIR defaults to shared/data beside the work tree. The output goes to
packages/data/test/fixtures/ and records the versions that produced it (python 3.11,
numpy 1.24.2, pandas 1.5.3, scipy 1.10.1 when this was written).

What is computed:
  profiles-*.json   per-column profile figures by pandas conventions: missing (isna), distinct
                    (nunique), min/max, mean, std (ddof=1), quantiles (linear), numpy.histogram
                    with 10 bins, the 10 most frequent values (count desc, then value asc).
  drift/*.csv       the reference and current samples of each drift case, written here so the
                    TypeScript tests read exactly the rows scipy saw.
  drift.json        per column: the test Evidently's default rule selects (its thresholds and
                    selection restated from Evidently 0.7's stattests registry, since Evidently
                    is not packaged in Debian), the statistic and the p-value or distance that
                    scipy gives.
"""
import json
import math
import os
import platform
import sys

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial import distance

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures")
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "..", "shared", "data")
QUANTILES = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]


def versions():
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
    }


def scalar(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def profile(path):
    frame = pd.read_csv(path)
    columns = []
    for name in frame.columns:
        s = frame[name]
        present = s.dropna()
        numeric = pd.api.types.is_numeric_dtype(s)
        counts = present.value_counts()
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        column = {
            "name": name,
            "missing": int(s.isna().sum()),
            "distinct": int(s.nunique()),
            "min": scalar(present.min()),
            "max": scalar(present.max()),
            "mean": float(present.mean()) if numeric else None,
            "std": float(present.std(ddof=1)) if numeric else None,
            "quantiles": [float(q) for q in np.quantile(present.to_numpy(dtype=float), QUANTILES)]
            if numeric
            else None,
            "histogram": None,
            "top": [{"value": scalar(v), "count": int(c)} for v, c in top],
        }
        if numeric:
            hist, edges = np.histogram(present.to_numpy(dtype=float), bins=10)
            column["histogram"] = {"edges": [float(e) for e in edges], "counts": [int(c) for c in hist]}
        columns.append(column)
    return {"rows": int(len(frame)), "columns": columns}


# ---- Evidently's default drift tests (legacy stattests registry), restated ----


def column_type(reference):
    """Evidently's infer_column_type on the reference."""
    present = reference.dropna()
    if pd.api.types.is_float_dtype(reference):
        return "numerical"
    if pd.api.types.is_integer_dtype(reference):
        return "categorical" if present.nunique() <= 10 else "numerical"
    if pd.api.types.is_bool_dtype(reference):
        return "categorical"
    return "text" if present.nunique() > 0.5 * len(present) else "categorical"


def value_counts(reference, current):
    keys = sorted(set(reference.unique()) | set(current.unique()))
    ref = reference.value_counts()
    cur = current.value_counts()
    return [int(ref.get(k, 0)) for k in keys], [int(cur.get(k, 0)) for k in keys], keys


def drift_case(reference_frame, current_frame, skip=()):
    results = []
    for name in reference_frame.columns:
        if name in skip:
            continue
        # Evidently turns ±inf into NaN and drops NaN, side by side.
        reference = reference_frame[name].replace([np.inf, -np.inf], np.nan).dropna()
        current = current_frame[name].replace([np.inf, -np.inf], np.nan).dropna()
        kind = column_type(reference_frame[name])
        if kind == "text":
            results.append({"column": name, "skipped": "text"})
            continue
        n_values = pd.concat([reference, current]).nunique()
        if len(reference) <= 1000:
            if kind == "numerical" and n_values > 5:
                test = "ks"
            else:
                test = "chisquare" if n_values > 2 else "z"
        else:
            test = "wasserstein" if kind == "numerical" and n_values > 5 else "jensenshannon"
        if test == "ks":
            result = stats.ks_2samp(reference, current)
            statistic, score, drifted = float(result.statistic), float(result.pvalue), result.pvalue <= 0.05
        elif test == "chisquare":
            ref, cur, _ = value_counts(reference, current)
            k_norm = len(current) / len(reference)
            expected = [r * k_norm for r in ref]
            with np.errstate(divide="ignore"):
                chi = stats.chisquare(cur, expected)
            statistic, score, drifted = float(chi.statistic), float(chi.pvalue), chi.pvalue < 0.05
        elif test == "z":
            ref, cur, keys = value_counts(reference, current)
            if len(keys) == 1:
                statistic, score = 0.0, 1.0
            else:
                n1, n2 = len(reference), len(current)
                p1 = (n1 - ref[0]) / n1
                p2 = (n2 - cur[0]) / n2
                pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
                statistic = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
                score = 2 * (1 - stats.norm.cdf(np.abs(statistic)))
            statistic, score = float(statistic), float(score)
            drifted = score < 0.05
        elif test == "wasserstein":
            norm = max(np.std(reference), 0.001)
            statistic = float(stats.wasserstein_distance(reference, current) / norm)
            score, drifted = statistic, statistic >= 0.1
        else:
            ref, cur, _ = value_counts(reference, current)
            statistic = float(distance.jensenshannon(np.array(ref) / len(reference), np.array(cur) / len(current)))
            score, drifted = statistic, statistic >= 0.1
        results.append(
            {
                "column": name,
                "column_type": kind,
                "test": test,
                "statistic": json_number(statistic),
                "score": json_number(score),
                "drifted": bool(drifted),
                "reference_rows": int(len(reference)),
                "current_rows": int(len(current)),
            }
        )
    return results


def json_number(value):
    """JSON has no infinity; proto-JSON (and Gyre's wire format) spells it as a string."""
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def write_csv(frame, name):
    os.makedirs(os.path.join(OUT, "drift"), exist_ok=True)
    frame.to_csv(os.path.join(OUT, "drift", name), index=False)


def drift_cases():
    cases = []
    penguins = pd.read_csv(os.path.join(DATA, "penguins.csv"))
    # Small reference: KS (exact, with ties), chi-square, z-test.
    ref, cur = penguins[penguins.year == 2007], penguins[penguins.year == 2009]
    write_csv(ref, "penguins-2007.csv")
    write_csv(cur, "penguins-2009.csv")
    cases.append({"name": "penguins-2007-vs-2009", "reference": "penguins-2007.csv", "current": "penguins-2009.csv", "columns": drift_case(ref, cur)})

    # A category the reference never saw: chi-square p = 0, always drift.
    adelie = penguins[penguins.species != "Chinstrap"].head(200)
    write_csv(adelie, "penguins-no-chinstrap.csv")
    cases.append({"name": "penguins-new-category", "reference": "penguins-no-chinstrap.csv", "current": "penguins-2009.csv", "columns": drift_case(adelie, cur)})

    flights = pd.read_csv(os.path.join(DATA, "flights-1m.csv"))
    # Small reference against more than 10,000 current rows: scipy's asymptotic KS (kstwo).
    small, large = flights.iloc[0:700], flights.iloc[500000:512000]
    write_csv(small, "flights-700.csv")
    write_csv(large, "flights-12000.csv")
    cases.append({"name": "flights-asymptotic-ks", "reference": "flights-700.csv", "current": "flights-12000.csv", "columns": drift_case(small, large, skip=("date",))})

    # Large reference: normed Wasserstein and Jensen–Shannon.
    january, june = flights.iloc[0:4000], flights.iloc[-4000:]
    write_csv(january, "flights-first-4000.csv")
    write_csv(june, "flights-last-4000.csv")
    cases.append({"name": "flights-large-reference", "reference": "flights-first-4000.csv", "current": "flights-last-4000.csv", "columns": drift_case(january, june, skip=("date",))})

    # Integer features 0..15: numerical (> 10 values), exact KS with many ties; equal sizes.
    letters = pd.read_csv(os.path.join(DATA, "letter-recognition.csv"))
    first, second = letters.iloc[0:500], letters.iloc[-500:]
    write_csv(first, "letters-first-500.csv")
    write_csv(second, "letters-last-500.csv")
    cases.append({"name": "letters-equal-sizes", "reference": "letters-first-500.csv", "current": "letters-last-500.csv", "columns": drift_case(first, second)})
    return cases


def distributions():
    """Tail probabilities behind the tests, over the regions where scipy switches algorithms."""
    from math import gcd
    from scipy.stats._stats_py import _attempt_exact_2kssamp

    kstwo = []
    for n in [5, 20, 100, 140, 141, 500, 999, 1000]:
        for d in [0.01, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.9, 0.99]:
            kstwo.append({"n": n, "d": d, "sf": float(stats.kstwo.sf(d, n))})
    exact = []
    for n1, n2 in [(10, 12), (50, 50), (100, 37), (344, 300), (1000, 999), (1000, 10000), (7, 3)]:
        for d in [0.05, 0.1, 0.2, 0.35, 0.6]:
            _, _, p = _attempt_exact_2kssamp(n1, n2, gcd(n1, n2), d, "two-sided")
            exact.append({"n1": n1, "n2": n2, "d": d, "p": float(p)})
    chi2 = []
    for df in [1, 2, 3, 5, 10, 50, 227, 1000]:
        for x in [0.001, 0.5, 1, 2, 5, 10, 30, 100, 250, 900, 1200, 5000]:
            chi2.append({"x": x, "df": df, "sf": float(stats.chi2.sf(x, df))})
    normal = [{"z": z, "p": float(2 * (1 - stats.norm.cdf(abs(z))))} for z in [0, 0.1, 1, 1.96, 3, 5, 8, -2.5]]
    return {"versions": versions(), "kstwo_sf": kstwo, "ks_2samp_exact": exact, "chi2_sf": chi2, "z_two_sided": normal}


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "distributions.json"), "w") as f:
        json.dump(distributions(), f, indent=1)
    for name in ["penguins", "breast-cancer"]:
        result = profile(os.path.join(DATA, f"{name}.csv"))
        result["versions"] = versions()
        with open(os.path.join(OUT, f"profile-{name}.json"), "w") as f:
            json.dump(result, f, indent=1)
    with open(os.path.join(OUT, "drift.json"), "w") as f:
        json.dump({"versions": versions(), "cases": drift_cases()}, f, indent=1)


if __name__ == "__main__":
    main()
