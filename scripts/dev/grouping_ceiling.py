#!/usr/bin/env python3
"""How much of two numeric columns' Pearson correlation a tree-round coding can keep (development only).

Each column's schema bins are merged into K groups from the real counts (no noise), either by
mass (lightest neighbours first, `Discretiser.massGroups`) or by the least added spread of values
(Ward's criterion on bin midpoints, `Discretiser.spreadGroups`). Every real row keeps its groups;
its values are redrawn within them (bin by the column's counts in the group, value uniform in
the bin), as MST samples them. The printed correlations are what a model keeps whose joint of
the groups is exact (with noise the codings differ: noisy counts on tail bins move the merges).

usage: python3 scripts/dev/grouping_ceiling.py Deploy/sample-data/flchain [K] [COLUMN ...]
"""
import json, sys

import numpy as np
import pandas as pd


def merge(weights, midpoints, groups, by_spread):
    weights = [max(w, 0.0) for w in weights]
    if by_spread:
        weights = [max(w, 1e-12) for w in weights]
    spans = [[i, i, w, w * midpoints[i]] for i, w in enumerate(weights)]

    def cost(a, b):
        if not by_spread:
            return a[2] + b[2]
        gap = a[3] / a[2] - b[3] / b[2]
        return a[2] * b[2] / (a[2] + b[2]) * gap * gap

    while len(spans) > groups:
        costs = [cost(spans[i], spans[i + 1]) for i in range(len(spans) - 1)]
        j = costs.index(min(costs))
        a, b = spans[j], spans[j + 1]
        spans[j:j + 2] = [[a[0], b[1], a[2] + b[2], a[3] + b[3]]]
    coding = np.zeros(len(weights), dtype=int)
    for group, span in enumerate(spans):
        coding[span[0]:span[1] + 1] = group
    return coding


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    data = sys.argv[1]
    groups = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    real = pd.read_csv(data + "/train.csv")
    schema = {c["name"]: c for c in json.load(open(data + "/schema.json"))["columns"]}
    names = sys.argv[3:] or [n for n, c in schema.items() if c["type"] != "categorical"]
    random = np.random.default_rng(0)
    for by_spread in (False, True):
        redrawn = {}
        for name in names:
            edges = np.array(schema[name]["bin_edges"], dtype=float)
            values = real[name].to_numpy(dtype=float)
            bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
            counts = np.bincount(bins, minlength=len(edges) - 1).astype(float)
            coding = merge(counts, (edges[:-1] + edges[1:]) / 2, groups, by_spread)
            out = np.empty(len(values))
            for group in np.unique(coding):
                members = np.where(coding == group)[0]
                if counts[members].sum() == 0:
                    continue
                rows = np.where(coding[bins] == group)[0]
                drawn = random.choice(members, size=len(rows), p=counts[members] / counts[members].sum())
                out[rows] = edges[drawn] + random.random(len(rows)) * (edges[drawn + 1] - edges[drawn])
            redrawn[name] = out
        print(f"{'spread' if by_spread else 'mass'} groups, K = {groups}")
        for i, first in enumerate(names):
            for second in names[i + 1:]:
                r = real[[first, second]].corr().iloc[0, 1]
                s = np.corrcoef(redrawn[first], redrawn[second])[0, 1]
                print(f"  {first}-{second}: real {r:.3f}, within groups {s:.3f}, SDMetrics score {1 - abs(r - s) / 2:.3f}")


if __name__ == "__main__":
    main()
