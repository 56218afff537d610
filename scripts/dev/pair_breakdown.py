#!/usr/bin/env python3
"""Per-pair SDMetrics column-pair-trend scores of synthetic tables (development only).

SDMetrics' pair-trends score is the mean over the pairs whose real association passes its
threshold, often a handful; this prints those pairs' scores for each synthetic file and their
mean, worst first, to show which pairs a change moves.

usage:
  python3 scripts/dev/pair_breakdown.py Deploy/sample-data/flchain /tmp/q/*/synthetic.csv
"""
import json, sys, warnings

import pandas as pd
from sdmetrics.reports.single_table import QualityReport

warnings.filterwarnings("ignore")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    data, files = sys.argv[1], sys.argv[2:]
    meta = json.load(open(data + "/meta.json"))
    metadata = {"columns": {c: {"sdtype": "categorical" if k == "categorical" else "numerical"}
                            for c, k in meta["columns"].items()}}

    def typed(frame):
        frame = frame.copy()
        for column, kind in meta["columns"].items():
            frame[column] = frame[column].astype(str) if kind == "categorical" else pd.to_numeric(frame[column], errors="coerce").astype(float)
        return frame

    real = typed(pd.read_csv(data + "/train.csv"))
    scores = None
    for index, name in enumerate(files):
        report = QualityReport()
        report.generate(real, typed(pd.read_csv(name)), metadata, verbose=False)
        details = report.get_details("Column Pair Trends").dropna(subset=["Score"])
        column = details.set_index(["Column 1", "Column 2"])[["Score"]].rename(columns={"Score": f"file {index}"})
        scores = column if scores is None else scores.join(column, how="outer")
    scores["mean"] = scores.mean(axis=1)
    pd.set_option("display.width", 200)
    print(scores.sort_values("mean").to_string(float_format=lambda x: "%.3f" % x))
    print("mean of the scored pairs: %.3f" % scores["mean"].mean())


if __name__ == "__main__":
    main()
