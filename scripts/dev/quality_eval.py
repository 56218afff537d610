#!/usr/bin/env python3
"""Scores synthetic tables the way ../shared/reference/quality_anchors.md does (development only).

Needs: pip install sdmetrics scikit-learn pandas

For each synthetic CSV: SDMetrics 0.32 QualityReport (column shapes, column pair trends) against
train.csv, and the AUC ratio: HistGradientBoosting and LogisticRegression trained on the synthetic
rows, AUC on test.csv, divided by the same trained on train.csv; the mean of the two ratios.

usage:
  python3 scripts/dev/quality_eval.py --data Deploy/sample-data/credit --synthetic /tmp/x/synthetic.csv [...]
  python3 scripts/dev/quality_eval.py --run --coordinator .build/release/apiary-coordinator --out /tmp/apiary-quality
     (runs simulate for both tables, both generators, 3 institutions and centrally, epsilon 1, 5 and
      inf, seeds 0-5 (--seeds to change), and prints the mean (standard deviation over seeds) of each measure)
"""
import argparse, json, os, subprocess, sys, time, warnings
import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")


def load(data_dir):
    meta = json.load(open(os.path.join(data_dir, "meta.json")))
    train = pd.read_csv(os.path.join(data_dir, "train.csv"))
    test = pd.read_csv(os.path.join(data_dir, "test.csv"))
    return meta, train, test


def coerce(frame, meta):
    frame = frame.copy()
    for column, kind in meta["columns"].items():
        if kind == "categorical":
            frame[column] = frame[column].astype(str)
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def auc_ratio(meta, train, test, synthetic):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    target, positive = meta["target"], str(meta["positive_label"])
    features = [c for c in meta["columns"] if c != target]
    categorical = [c for c in features if meta["columns"][c] == "categorical"]
    numeric = [c for c in features if c not in categorical]

    def models():
        boosting = make_pipeline(
            ColumnTransformer([("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), categorical),
                               ("num", "passthrough", numeric)]),
            HistGradientBoostingClassifier(random_state=0))
        logistic = make_pipeline(
            ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
                               ("num", StandardScaler(), numeric)]),
            LogisticRegression(max_iter=1000))
        return {"boosting": boosting, "logistic": logistic}

    def aucs(training):
        y = (training[target] == positive).astype(int)
        result = {}
        for name, model in models().items():
            if y.nunique() < 2:
                result[name] = 0.5
                continue
            model.fit(training[features], y)
            result[name] = roc_auc_score((test[target] == positive).astype(int), model.predict_proba(test[features])[:, 1])
        return result

    real, synth = aucs(train), aucs(synthetic)
    ratios = {name: synth[name] / real[name] for name in real}
    return float(np.mean(list(ratios.values()))), synth, real


def score(data_dir, synthetic_path):
    from sdmetrics.reports.single_table import QualityReport
    meta, train, test = load(data_dir)
    train, test = coerce(train, meta), coerce(test, meta)
    synthetic = coerce(pd.read_csv(synthetic_path), meta)
    metadata = {"columns": {c: {"sdtype": "categorical" if k == "categorical" else "numerical"}
                            for c, k in meta["columns"].items()}}
    report = QualityReport()
    report.generate(train, synthetic, metadata, verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    ratio, synth, real = auc_ratio(meta, train, test, synthetic)
    return {"overall": report.get_score(), "column_shapes": properties["Column Shapes"],
            "pair_trends": properties["Column Pair Trends"], "auc_ratio": ratio,
            "auc_synthetic": synth, "auc_real": real}


def details(data_dir, synthetic_path):
    """Per-pair SDMetrics details and tail percentiles of numeric columns, real vs synthetic."""
    from sdmetrics.reports.single_table import QualityReport
    meta, train, _ = load(data_dir)
    train = coerce(train, meta)
    synthetic = coerce(pd.read_csv(synthetic_path), meta)
    metadata = {"columns": {c: {"sdtype": "categorical" if k == "categorical" else "numerical"}
                            for c, k in meta["columns"].items()}}
    report = QualityReport()
    report.generate(train, synthetic, metadata, verbose=False)
    pairs = report.get_details("Column Pair Trends")
    print(pairs[pairs["Meets Threshold?"]].to_string())
    for column, kind in meta["columns"].items():
        if kind != "categorical":
            levels = [50, 99, 99.9, 100]
            print(column, "real", np.nanpercentile(train[column], levels).round(2),
                  "synthetic", np.nanpercentile(synthetic[column], levels).round(2))


def run_all(coordinator, out, key_bits, seeds, data_root="Deploy/sample-data", generators=("mst", "copula"),
            tables=("flchain", "credit"), epsilons=("1", "5", "inf"), settings=("3 institutions", "central")):
    rows = []
    for table in tables:
        data = os.path.join(data_root, table)
        for epsilon in epsilons:
            for setting in settings:
                for generator in generators:
                    if setting == "central":
                        institutions = ["--institution", f"union={data}/train.csv"]
                    else:
                        institutions = sum([["--institution", f"{x}={data}/institution-{x}.csv"] for x in "abc"], [])
                    runs = []
                    for seed in seeds:
                        target = os.path.join(out, f"{table}-{generator}-eps{epsilon}-{setting.split()[0]}-seed{seed}")
                        command = [coordinator, "simulate", "--schema", f"{data}/schema.json", *institutions,
                                   "--epsilon", epsilon, "--delta", "1e-6", "--generator", generator,
                                   "--key-bits", str(key_bits), "--seed", str(seed), "--out", target]
                        started = time.time()
                        subprocess.run(command, check=True, capture_output=True)
                        elapsed = time.time() - started
                        runs.append((score(data, os.path.join(target, "synthetic.csv")), elapsed))
                    mean = {k: float(np.mean([r[0][k] for r in runs])) for k in ("overall", "column_shapes", "pair_trends", "auc_ratio")}
                    spread = {k: float(np.std([r[0][k] for r in runs])) for k in ("pair_trends", "auc_ratio")}
                    elapsed = float(np.mean([r[1] for r in runs]))
                    rows.append((table, generator, epsilon, setting, mean, elapsed))
                    print(f"| {table} | {generator} | {epsilon} | {setting} | {mean['overall']:.3f} | "
                          f"{mean['column_shapes']:.3f} | {mean['pair_trends']:.3f} ({spread['pair_trends']:.3f}) | "
                          f"{mean['auc_ratio']:.3f} ({spread['auc_ratio']:.3f}) | {elapsed:.1f} |", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data")
    parser.add_argument("--synthetic", nargs="*")
    parser.add_argument("--run", action="store_true")
    parser.add_argument("--coordinator", default=".build/release/apiary-coordinator")
    parser.add_argument("--out", default="/tmp/apiary-quality")
    parser.add_argument("--key-bits", type=int, default=1024)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5])
    parser.add_argument("--data-root", default="Deploy/sample-data", help="folder with flchain/ and credit/ (for --run)")
    parser.add_argument("--generators", nargs="+", default=["mst", "copula"], help="with --run: which generators")
    parser.add_argument("--tables", nargs="+", default=["flchain", "credit"], help="with --run: which tables")
    parser.add_argument("--epsilons", nargs="+", default=["1", "5", "inf"], help="with --run: which epsilons")
    parser.add_argument("--settings", nargs="+", choices=["federated", "central"], default=["federated", "central"],
                        help="with --run: the three institution files, the union as one institution, or both")
    parser.add_argument("--details", action="store_true", help="with --data/--synthetic: per-pair scores and tail percentiles")
    args = parser.parse_args()
    if args.run:
        print("| table | generator | epsilon | setting | overall | column shapes | pair trends (sd) | AUC ratio (sd) | simulate s |")
        print("|---|---|---|---|---|---|---|---|---|")
        settings = [("3 institutions" if s == "federated" else "central") for s in args.settings]
        run_all(args.coordinator, args.out, args.key_bits, args.seeds, args.data_root, args.generators,
                args.tables, args.epsilons, settings)
        return
    if not args.data or not args.synthetic:
        parser.error("give --data and --synthetic, or --run")
    for path in args.synthetic:
        if args.details:
            details(args.data, path)
        print(path, json.dumps(score(args.data, path), default=float))


if __name__ == "__main__":
    main()
