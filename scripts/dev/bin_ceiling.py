#!/usr/bin/env python3
"""How much of each strong Pearson correlation survives when values are redrawn independently
inside their bins (development only; needs pandas).

For every numeric column of a schema, each real value is replaced by another real value of the
same bin (a within-bin shuffle), which keeps the exact joint distribution of the bins and
removes any dependence inside them: the ceiling of any generator that draws numbers
independently within bins. Prints, for pairs whose real |Pearson| > 0.5, the real and shuffled
correlations, with the schema's bins and with --width-bins W added (every bin wider than 1/W of
the range cut into equal pieces, as `schema infer` does).

usage: python3 scripts/dev/bin_ceiling.py --data Deploy/sample-data/flchain [--width-bins 10]
"""
import argparse, json, math, os
import numpy as np
import pandas as pd


def shuffled_correlations(train, columns, edges_of, seed=0):
    random = np.random.default_rng(seed)
    shuffled = train.copy()
    for column in columns:
        edges = np.array(edges_of(column))
        values = train[column["name"]].values.astype(float)
        bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
        redrawn = values.copy()
        for b in np.unique(bins):
            rows = np.where(bins == b)[0]
            redrawn[rows] = random.permutation(values[rows])
        shuffled[column["name"]] = redrawn
    names = [c["name"] for c in columns]
    return train[names].corr().values, shuffled[names].corr().values, names


def cut_wide_bins(edges, width_bins):
    lower, upper = edges[0], edges[-1]
    widest = (upper - lower) / width_bins
    result = list(edges)
    for start, end in zip(edges, edges[1:]):
        if end - start > widest:
            pieces = math.ceil((end - start) / widest)
            result += [start + k * (end - start) / pieces for k in range(1, pieces)]
    return sorted(result)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--width-bins", type=int, default=10)
    args = parser.parse_args()
    schema = json.load(open(os.path.join(args.data, "schema.json")))
    train = pd.read_csv(os.path.join(args.data, "train.csv"))
    numeric = [c for c in schema["columns"] if "bin_edges" in c]
    variants = {"schema bins": lambda c: c["bin_edges"],
                f"plus width rule W={args.width_bins}": lambda c: cut_wide_bins(c["bin_edges"], args.width_bins)}
    for label, edges_of in variants.items():
        real, shuffled, names = shuffled_correlations(train, numeric, edges_of)
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                if abs(real[i, j]) > 0.5:
                    print(f"{label}: {names[i]}-{names[j]} real {real[i, j]:.3f} within-bin shuffled {shuffled[i, j]:.3f}")


if __name__ == "__main__":
    main()
