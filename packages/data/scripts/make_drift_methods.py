#!/usr/bin/python3
"""Reference figures for every drift method of @gyre/data's in-memory path, computed with numpy/scipy.

Run once with Debian bookworm's packages (apt-get install python3-pandas python3-scipy):
    /usr/bin/python3 packages/data/scripts/make_drift_methods.py
Written with python 3.11.2, numpy 1.24.2, pandas 1.5.3, scipy 1.10.1 (recorded in the output's
"versions"). Output: packages/data/test/fixtures/drift-methods.json.

Cases: the CSV samples make_fixtures.py wrote to test/fixtures/drift/ (read back here, as the
TypeScript test reads them through DuckDB), plus seeded synthetic columns embedded in the JSON
(numbers, or categories as label counts) for the paths the CSVs miss: Sturges bins with
unequal ranges, missing and infinite values, both empty-bin fills, new categories, binary columns.

Per column and per method, the figures Evidently 0.7's stattests give, restated (Evidently is not
packaged in Debian), over scipy:
  ks            scipy.stats.ks_2samp (method "auto"): statistic, p-value
  wasserstein   scipy.stats.wasserstein_distance / max(numpy.std(reference), 0.001)
  chisquare     scipy.stats.chisquare(current counts, reference counts · n_cur / n_ref)
  z             two-proportion z-test of the first sorted value against the rest
  jensenshannon scipy.spatial.distance.jensenshannon(reference shares, current shares), base e
  psi           Σ (r − c) ln(r / c) after Evidently's empty-bin fill
  kl            scipy.stats.entropy(r, c) after the same fill
The shares of jensenshannon / psi / kl come from Evidently's get_binned_data: numpy's Sturges
bins over reference ∪ current for numerical columns with > 20 distinct reference values, else one
bin per value. chisquare and z are given under both new-category policies: "include"
(Evidently: a category the reference lacks expects 0, so χ² = ∞) and "separate" (Gyre's default:
the test runs over the reference's categories, the current's rows in new ones set aside).
"""
import json
import os
import sys

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as base  # noqa: E402  (versions, column_type, json_number)

FIXTURES = os.path.join(HERE, "..", "test", "fixtures")
CSV = os.path.join(FIXTURES, "drift")


def fill_zeroes(shares):
    """Evidently's feel_zeroes: each side on its own, no renormalisation."""
    shares = shares.astype(float).copy()
    nonzero = shares[shares != 0]
    if len(nonzero) == 0:
        return shares
    smallest = min(nonzero)
    np.place(shares, shares == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
    return shares


def binned(reference, current, numerical):
    """Evidently's get_binned_data: (reference shares, current shares, binning)."""
    if numerical and reference.nunique() > 20:
        edges = np.histogram_bin_edges(pd.concat([reference, current]).values, bins="sturges")
        r = np.histogram(reference, edges)[0] / len(reference)
        c = np.histogram(current, edges)[0] / len(current)
        return r, c, {"kind": "sturges", "bins": len(edges) - 1, "edges": [float(e) for e in edges]}
    keys = sorted(set(reference.unique()) | set(current.unique()))
    ref = reference.value_counts()
    cur = current.value_counts()
    r = np.array([ref.get(k, 0) for k in keys]) / len(reference)
    c = np.array([cur.get(k, 0) for k in keys]) / len(current)
    return r, c, {"kind": "values", "bins": len(keys)}


def counts(reference, current, policy):
    """Aligned counts over the sorted union (include) or the reference's categories (separate)."""
    ref = reference.value_counts()
    cur = current.value_counts()
    keys = sorted(set(reference.unique()) | set(current.unique())) if policy == "include" else sorted(set(reference.unique()))
    return np.array([ref.get(k, 0) for k in keys], dtype=float), np.array([cur.get(k, 0) for k in keys], dtype=float)


def chisquare(reference, current, policy):
    r, c = counts(reference, current, policy)
    if c.sum() == 0:
        return {"statistic": "Infinity", "p_value": 0.0}
    if len(r) < 2:
        return {"statistic": 0.0, "p_value": 1.0}
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.chisquare(c, r * c.sum() / r.sum())
    return {"statistic": base.json_number(float(result.statistic)), "p_value": float(result.pvalue)}


def z_test(reference, current, policy):
    r, c = counts(reference, current, policy)
    if c.sum() == 0:
        return {"statistic": "Infinity", "p_value": 0.0}
    if len(r) < 2:
        return {"statistic": 0.0, "p_value": 1.0}
    n1, n2 = r.sum(), c.sum()
    p1 = (n1 - r[0]) / n1
    p2 = (n2 - c[0]) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return {"statistic": float(z), "p_value": float(2 * (1 - stats.norm.cdf(np.abs(z))))}


def auto_method(kind, reference, distinct):
    if len(reference) <= 1000:
        if kind == "numerical" and distinct > 5:
            return "ks"
        return "chisquare" if distinct > 2 else "z"
    return "wasserstein" if kind == "numerical" and distinct > 5 else "jensenshannon"


def column_figures(name, kind, reference, current):
    reference = reference.replace([np.inf, -np.inf], np.nan).dropna()
    current = current.replace([np.inf, -np.inf], np.nan).dropna()
    distinct = int(pd.concat([reference, current]).nunique())
    numerical = kind == "numerical"
    methods = {}
    if numerical:
        ks = stats.ks_2samp(reference, current)
        methods["ks"] = {"statistic": float(ks.statistic), "p_value": float(ks.pvalue)}
        norm = max(np.std(reference), 0.001)
        methods["wasserstein"] = {"statistic": float(stats.wasserstein_distance(reference, current) / norm)}
    methods["chisquare"] = {policy: chisquare(reference, current, policy) for policy in ("separate", "include")}
    methods["z"] = {policy: z_test(reference, current, policy) for policy in ("separate", "include")}
    r, c, binning = binned(reference, current, numerical)
    methods["jensenshannon"] = {"statistic": float(distance.jensenshannon(r, c)), "binning": binning}
    rf, cf = fill_zeroes(r), fill_zeroes(c)
    methods["psi"] = {"statistic": float(np.sum((rf - cf) * np.log(rf / cf))), "binning": binning}
    methods["kl"] = {"statistic": float(stats.entropy(rf, cf)), "binning": binning}
    new = current[~current.isin(set(reference.unique()))]
    return {
        "column": name,
        "column_type": kind,
        "auto_method": auto_method(kind, reference, distinct),
        "reference_rows": int(len(reference)),
        "current_rows": int(len(current)),
        "distinct": distinct,
        "new_categories": {"distinct": int(new.nunique()), "rows": int(len(new))},
        "methods": methods,
    }


def csv_case(name, reference_file, current_file, skip=()):
    reference = pd.read_csv(os.path.join(CSV, reference_file))
    current = pd.read_csv(os.path.join(CSV, current_file))
    columns = []
    for column in reference.columns:
        if column in skip:
            continue
        kind = base.column_type(reference[column])
        if kind == "text":
            columns.append({"column": column, "skipped": "text"})
            continue
        columns.append(column_figures(column, kind, reference[column], current[column]))
    return {"name": name, "reference_file": reference_file, "current_file": current_file, "columns": columns}


def encode_numbers(values):
    return [v if np.isfinite(v) else ("NaN" if np.isnan(v) else ("Infinity" if v > 0 else "-Infinity")) for v in values]


def expand(labels, counts_):
    return pd.Series(np.repeat(np.array(labels, dtype=object), counts_))


def synthetic_cases():
    rng = np.random.default_rng(20240601)
    cases = []

    # Numerical, > 20 values: Sturges bins over an asymmetric union; NaN and ±inf are dropped.
    ref = np.round(rng.normal(0, 1, 3000), 4)
    cur = np.round(rng.normal(0.3, 1.2, 2000), 4)
    cur[[5, 17, 400]] = [np.nan, np.inf, -np.inf]
    ref[[9]] = [np.nan]
    # Few-valued floats: ≤ 20 reference values, so psi/kl/js bin by value; a value new in current.
    few_ref = rng.integers(0, 12, 3000).astype(float) / 2
    few_cur = np.concatenate([rng.integers(0, 12, 1990).astype(float) / 2, np.full(10, 9.5)])
    # Full-precision draws: every value distinct (the summaries keep no counts).
    distinct_ref = rng.gamma(2.0, 1.5, 2500)
    distinct_cur = rng.gamma(2.2, 1.5, 1800)
    cases.append(
        {
            "name": "synthetic-numerical",
            "numeric": {
                "shifted": {"reference": encode_numbers(ref), "current": encode_numbers(cur)},
                "few_values": {"reference": encode_numbers(few_ref), "current": encode_numbers(few_cur)},
                "distinct": {"reference": encode_numbers(distinct_ref), "current": encode_numbers(distinct_cur)},
            },
            "columns": [
                column_figures("shifted", "numerical", pd.Series(ref), pd.Series(cur)),
                column_figures("few_values", "numerical", pd.Series(few_ref), pd.Series(few_cur)),
                column_figures("distinct", "numerical", pd.Series(distinct_ref), pd.Series(distinct_cur)),
            ],
        }
    )

    # Categories as label counts. "tiny": a reference share of 5e-5 (≤ 1e-4: empty bins get
    # min/1e6) and a category missing from the current; "coarse": shares > 1e-4 (fill 1e-4) with
    # a new category; "binary": z-test territory with a third, new value in the current.
    categorical = {
        "tiny": {
            "reference": {"labels": ["a", "b", "c", "rare"], "counts": [9000, 6999, 4000, 1]},
            "current": {"labels": ["a", "b", "c", "fresh"], "counts": [8000, 8000, 3970, 30]},
        },
        "coarse": {
            "reference": {"labels": ["x", "y", "z"], "counts": [300, 150, 50]},
            "current": {"labels": ["x", "y", "w"], "counts": [280, 200, 20]},
        },
        "binary": {
            "reference": {"labels": ["no", "yes"], "counts": [700, 250]},
            "current": {"labels": ["no", "yes", "maybe"], "counts": [600, 330, 5]},
        },
    }
    columns = []
    for name, sides in categorical.items():
        reference = expand(sides["reference"]["labels"], sides["reference"]["counts"])
        current = expand(sides["current"]["labels"], sides["current"]["counts"])
        columns.append(column_figures(name, "categorical", reference, current))
    cases.append({"name": "synthetic-categorical", "categorical": categorical, "columns": columns})
    return cases


def main():
    cases = [
        csv_case("penguins-2007-vs-2009", "penguins-2007.csv", "penguins-2009.csv"),
        csv_case("penguins-new-category", "penguins-no-chinstrap.csv", "penguins-2009.csv"),
        csv_case("flights-large-reference", "flights-first-4000.csv", "flights-last-4000.csv", skip=("date",)),
        csv_case("letters-equal-sizes", "letters-first-500.csv", "letters-last-500.csv"),
        *synthetic_cases(),
    ]
    with open(os.path.join(FIXTURES, "drift-methods.json"), "w") as f:
        json.dump({"versions": base.versions(), "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
