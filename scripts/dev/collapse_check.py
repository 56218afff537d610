#!/usr/bin/env python3
"""Counts synthetic numeric columns collapsed onto a sliver of their range (development only).

Small tables at epsilon 1 put every bin of a column near the noise; a generator that keeps one
bin's noise draw alone then writes the whole column inside that bin. For scikit-learn's iris,
wine and diabetes tables (80% of the rows split row i to institution i mod 3, a schema drafted
by `schema infer`), runs simulate at the given epsilon for seeds 0-7 and prints, per seed, the
numeric columns whose synthetic standard deviation is below 15% of the real one. With --score,
also per table over the eight runs: the runs missing a target class, SDMetrics' column shapes
and pair trends against the training rows (QualityReport), and the AUC ratio of a logistic
regression (standardised features) trained on the synthetic rows against one trained on the
training rows, both tested on the 20% left out (macro one-vs-rest AUC; a class the model never
saw scores 0.5).

usage: python3 scripts/dev/collapse_check.py --coordinator BIN [--generator copula] [--epsilon 1] [--out DIR] [--score]
"""
import argparse, os, subprocess

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes, load_iris, load_wine


def tables():
    iris = load_iris(as_frame=True).frame.rename(columns={"target": "species"})
    iris["species"] = iris["species"].map(lambda v: "s%d" % v)
    wine = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    wine["cultivar"] = wine["cultivar"].map(lambda v: "c%d" % v)
    diabetes = load_diabetes(as_frame=True, scaled=False).frame
    diabetes["target"] = (diabetes["target"] > diabetes["target"].median()).map({True: "high", False: "low"})
    return {"iris": (iris, "species"), "wine": (wine, "cultivar"), "diabetes": (diabetes, "target")}


def logistic_auc(fit_rows, test, target, classes):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    if fit_rows[target].nunique() < 2:
        return 0.5
    features = [c for c in test.columns if c != target]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(fit_rows[features], fit_rows[target])
    known = list(model.classes_)
    probabilities = model.predict_proba(test[features])
    if len(classes) == 2:
        positive = classes[0]
        return roc_auc_score(test[target] == positive, probabilities[:, known.index(positive)]) if positive in known else 0.5
    return float(np.mean([roc_auc_score(test[target] == k, probabilities[:, known.index(k)]) if k in known else 0.5
                          for k in classes]))


def scores(folder, train, test, target, runs):
    import json, warnings
    warnings.filterwarnings("ignore")
    from sdmetrics.reports.single_table import QualityReport
    schema = json.load(open(f"{folder}/schema.json"))
    metadata = {"columns": {c["name"]: {"sdtype": "categorical" if c["type"] == "categorical" else "numerical"}
                            for c in schema["columns"]}}
    classes = sorted(train[target].unique())
    real = logistic_auc(train, test, target, classes)
    shapes, pairs, ratios, missing = [], [], [], 0
    for synthetic in runs:
        report = QualityReport()
        report.generate(train, synthetic, metadata, verbose=False)
        properties = report.get_properties().set_index("Property")["Score"]
        shapes.append(properties["Column Shapes"])
        pairs.append(properties["Column Pair Trends"])
        ratios.append(logistic_auc(synthetic, test, target, classes) / real)
        missing += synthetic[target].nunique() < len(classes)
    return f"{missing} of {len(runs)} runs missing a class, column shapes {np.mean(shapes):.3f}, " \
           f"pair trends {np.mean(pairs):.3f}, AUC ratio {np.mean(ratios):.3f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--generator", default="copula")
    parser.add_argument("--epsilon", default="1")
    parser.add_argument("--out", default="/tmp/apiary-collapse")
    parser.add_argument("--score", action="store_true")
    args = parser.parse_args()
    for name, (frame, target) in tables().items():
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        frame.columns = [c.replace(" ", "_").replace("/", "_") for c in frame.columns]
        train = frame.sample(frac=0.8, random_state=0)
        test = frame.drop(train.index)
        train.to_csv(f"{folder}/train.csv", index=False)
        for index, part in enumerate("abc"):
            train.iloc[index::3].to_csv(f"{folder}/{part}.csv", index=False)
        with open(f"{folder}/schema.json", "w") as schema:
            subprocess.run([args.coordinator, "schema", "infer", f"{folder}/train.csv", "--target", target], check=True, stdout=schema,
                           stderr=subprocess.DEVNULL)
        numeric = [c for c in train.columns if c != target]
        collapsed_runs = 0
        runs = []
        for seed in range(8):
            out = f"{folder}/{args.generator}-eps{args.epsilon}-seed{seed}"
            subprocess.run([args.coordinator, "simulate", "--schema", f"{folder}/schema.json",
                            *sum([["--institution", f"{p}={folder}/{p}.csv"] for p in "abc"], []),
                            "--epsilon", args.epsilon, "--delta", "1e-6", "--generator", args.generator, "--key-bits", "1024",
                            "--seed", str(seed), "--out", out], check=True, capture_output=True)
            synthetic = pd.read_csv(f"{out}/synthetic.csv")
            runs.append(synthetic)
            collapsed = [c for c in numeric if synthetic[c].std() < 0.15 * train[c].std()]
            collapsed_runs += bool(collapsed)
            print(f"{name} seed {seed}: {len(synthetic)} rows, collapsed: {', '.join(collapsed) or 'none'}")
        print(f"{name}: {collapsed_runs} of 8 runs with a collapsed column")
        if args.score:
            print(f"{name}: {scores(folder, train.reset_index(drop=True), test.reset_index(drop=True), target, runs)}")


if __name__ == "__main__":
    main()
