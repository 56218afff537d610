#!/usr/bin/env python3
"""Pearson correlations a Gaussian or t copula keeps at best (development only; needs scipy,
pandas).

Fits the copula to the real rows without noise (normal or t scores of the ranks, their
correlation matrix), samples as many rows, maps them back through each column's exact
empirical quantiles, and prints the real and the copula's Pearson correlations of the numeric
columns' pairs: the ceiling of any copula of that family on this table.

usage: python3 scripts/dev/copula_ceiling.py --data Deploy/sample-data/flchain
"""
import argparse, json, os
import numpy as np
import pandas as pd
from scipy import stats


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    schema = json.load(open(os.path.join(args.data, "schema.json")))
    train = pd.read_csv(os.path.join(args.data, "train.csv"))
    names = [c["name"] for c in schema["columns"] if "bin_edges" in c]
    values = train[names].values.astype(float)
    rows, width = values.shape
    ranks = (stats.rankdata(values, axis=0) - 0.5) / rows
    random = np.random.default_rng(0)
    upper = np.triu_indices(width, 1)

    def back(uniforms):
        return np.column_stack([np.quantile(values[:, j], uniforms[:, j]) for j in range(width)])

    def show(label, sample):
        pairs = ", ".join(f"{names[i]}-{names[j]} {c:.3f}" for i, j, c in zip(*upper, np.corrcoef(sample.T)[upper]))
        print(f"{label}: {pairs}")

    show("real", values)
    normal = np.linalg.cholesky(np.corrcoef(stats.norm.ppf(ranks).T))
    show("gaussian copula", back(stats.norm.cdf(random.standard_normal((rows, width)) @ normal.T)))
    for freedom in [3, 5, 10]:
        factor = np.linalg.cholesky(np.corrcoef(stats.t.ppf(ranks, freedom).T))
        scale = np.sqrt(random.chisquare(freedom, (rows, 1)) / freedom)
        draws = (random.standard_normal((rows, width)) @ factor.T) / scale
        show(f"t copula, {freedom} degrees of freedom", back(stats.t.cdf(draws, freedom)))


if __name__ == "__main__":
    main()
