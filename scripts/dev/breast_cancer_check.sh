#!/bin/bash
# A third table, as a check that nothing is tuned to the two bundled ones (development only):
# scikit-learn's breast-cancer table (569 rows, 30 numbers and a binary target), shuffled
# (seed 0), 70% train / 30% test, train split row i to institution i mod 3, a schema drafted
# by `schema infer`, then simulate with both generators at epsilon 1 and 5, seeds 0-2, scored
# with quality_eval.py. Needs scikit-learn, pandas, sdmetrics.
# usage: bash scripts/dev/breast_cancer_check.sh [OUT]   (default /tmp/apiary-breast-cancer)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-/tmp/apiary-breast-cancer}
BIN=${BIN:-$ROOT/.build/release/apiary-coordinator}
mkdir -p "$OUT" && cd "$OUT"
python3 - <<'PY'
import json
from sklearn.datasets import load_breast_cancer
frame = load_breast_cancer(as_frame=True).frame
frame["target"] = frame["target"].map({0: "malignant", 1: "benign"})
frame.columns = [c.replace(" ", "_") for c in frame.columns]
frame = frame.sample(frac=1, random_state=0)
cut = int(len(frame) * 0.7)
train, test = frame.iloc[:cut], frame.iloc[cut:]
train.to_csv("train.csv", index=False)
test.to_csv("test.csv", index=False)
for index, name in enumerate("abc"):
    train.iloc[index::3].to_csv(f"institution-{name}.csv", index=False)
json.dump({"target": "target", "positive_label": "malignant",
           "columns": {c: "categorical" if c == "target" else "numerical" for c in frame.columns}}, open("meta.json", "w"))
PY
"$BIN" schema infer train.csv --target target > schema.json 2> infer.log
for generator in mst copula; do
  for epsilon in 1 5; do
    files=()
    for seed in 0 1 2; do
      run=$generator-eps$epsilon-seed$seed
      "$BIN" simulate --schema schema.json --institution a=institution-a.csv --institution b=institution-b.csv \
        --institution c=institution-c.csv --epsilon $epsilon --delta 1e-6 --generator $generator --key-bits 1024 \
        --seed $seed --out "$run" > /dev/null 2> "$run.log"
      files+=("$run/synthetic.csv")
    done
    echo "== $generator, epsilon $epsilon"
    python3 "$ROOT/scripts/dev/quality_eval.py" --data . --synthetic "${files[@]}" 2>/dev/null
  done
done
