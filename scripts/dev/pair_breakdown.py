#!/usr/bin/env python3
"""Per-pair SDMetrics column-pair-trend scores of synthetic tables (development only).

SDMetrics' pair-trends score is the mean over the pairs whose real association passes its
threshold, often a handful; this prints those pairs' scores for each synthetic file and their
mean, worst first, to show which pairs a change moves.

With --real-bins, the same pairs are also scored with SDMetrics' contingency measure after
cutting the synthetic numbers at the *real* table's 10 equal-width bin edges (SDMetrics 0.32
cuts each table at its own minimum and maximum, so a synthetic range that ends early shifts
every bin of a mixed pair); two-number pairs keep their correlation score.

usage:
  python3 scripts/dev/pair_breakdown.py [--real-bins] Deploy/sample-data/flchain /tmp/q/*/synthetic.csv
"""
import json, sys, warnings

import numpy as np
import pandas as pd
from sdmetrics.reports.single_table import QualityReport

warnings.filterwarnings("ignore")


def main():
    arguments = sys.argv[1:]
    real_bins = "--real-bins" in arguments
    arguments = [a for a in arguments if a != "--real-bins"]
    if len(arguments) < 2:
        sys.exit(__doc__)
    data, files = arguments[0], arguments[1:]
    meta = json.load(open(data + "/meta.json"))
    metadata = {"columns": {c: {"sdtype": "categorical" if k == "categorical" else "numerical"}
                            for c, k in meta["columns"].items()}}

    def typed(frame):
        frame = frame.copy()
        for column, kind in meta["columns"].items():
            frame[column] = frame[column].astype(str) if kind == "categorical" else pd.to_numeric(frame[column], errors="coerce").astype(float)
        return frame

    real = typed(pd.read_csv(data + "/train.csv"))
    numeric = [c for c, k in meta["columns"].items() if k != "categorical"]

    def common_bins(first, second, synthetic):
        """1 - total variation of the pair's joint, numbers cut at the real table's bin edges."""
        def coded(frame):
            out = frame[[first, second]].copy()
            for column in (first, second):
                if column in numeric:
                    edges = np.histogram_bin_edges(real[column].dropna())
                    out[column] = np.digitize(frame[column], edges)
            return out.groupby([first, second], dropna=False).size() / len(frame)
        r, s = coded(real), coded(synthetic)
        index = r.index.union(s.index)
        return 1 - (r.reindex(index, fill_value=0) - s.reindex(index, fill_value=0)).abs().sum() / 2

    scores = None
    for index, name in enumerate(files):
        synthetic = typed(pd.read_csv(name))
        report = QualityReport()
        report.generate(real, synthetic, metadata, verbose=False)
        details = report.get_details("Column Pair Trends").dropna(subset=["Score"])
        if real_bins:
            for row, pair in details.iterrows():
                if pair["Metric"] == "ContingencySimilarity":
                    details.loc[row, "Score"] = common_bins(pair["Column 1"], pair["Column 2"], synthetic)
        column = details.set_index(["Column 1", "Column 2"])[["Score"]].rename(columns={"Score": f"file {index}"})
        scores = column if scores is None else scores.join(column, how="outer")
    scores["mean"] = scores.mean(axis=1)
    pd.set_option("display.width", 200)
    print(scores.sort_values("mean").to_string(float_format=lambda x: "%.3f" % x))
    print("mean of the scored pairs: %.3f" % scores["mean"].mean())


if __name__ == "__main__":
    main()
