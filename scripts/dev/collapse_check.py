#!/usr/bin/env python3
"""Counts synthetic numeric columns collapsed onto a sliver of their range (development only).

Small tables at epsilon 1 put every bin of a column near the noise; a generator that keeps one
bin's noise draw alone then writes the whole column inside that bin. For scikit-learn's iris,
wine and diabetes tables (80% of the rows split row i to institution i mod 3, a schema drafted
by `schema infer`), runs simulate at the given epsilon for seeds 0-7 and prints, per seed, the
numeric columns whose synthetic standard deviation is below 15% of the real one.

usage: python3 scripts/dev/collapse_check.py --coordinator BIN [--generator copula] [--epsilon 1] [--out DIR]
"""
import argparse, os, subprocess

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--generator", default="copula")
    parser.add_argument("--epsilon", default="1")
    parser.add_argument("--out", default="/tmp/apiary-collapse")
    args = parser.parse_args()
    for name, (frame, target) in tables().items():
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        frame.columns = [c.replace(" ", "_").replace("/", "_") for c in frame.columns]
        train = frame.sample(frac=0.8, random_state=0)
        train.to_csv(f"{folder}/train.csv", index=False)
        for index, part in enumerate("abc"):
            train.iloc[index::3].to_csv(f"{folder}/{part}.csv", index=False)
        with open(f"{folder}/schema.json", "w") as schema:
            subprocess.run([args.coordinator, "schema", "infer", f"{folder}/train.csv", "--target", target], check=True, stdout=schema,
                           stderr=subprocess.DEVNULL)
        numeric = [c for c in train.columns if c != target]
        collapsed_runs = 0
        for seed in range(8):
            out = f"{folder}/{args.generator}-eps{args.epsilon}-seed{seed}"
            subprocess.run([args.coordinator, "simulate", "--schema", f"{folder}/schema.json",
                            *sum([["--institution", f"{p}={folder}/{p}.csv"] for p in "abc"], []),
                            "--epsilon", args.epsilon, "--delta", "1e-6", "--generator", args.generator, "--key-bits", "1024",
                            "--seed", str(seed), "--out", out], check=True, capture_output=True)
            synthetic = pd.read_csv(f"{out}/synthetic.csv")
            collapsed = [c for c in numeric if synthetic[c].std() < 0.15 * train[c].std()]
            collapsed_runs += bool(collapsed)
            print(f"{name} seed {seed}: {len(synthetic)} rows, collapsed: {', '.join(collapsed) or 'none'}")
        print(f"{name}: {collapsed_runs} of 8 runs with a collapsed column")


if __name__ == "__main__":
    main()
