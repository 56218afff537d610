#!/usr/bin/env python3
"""Re-runs the centralized smartnoise MST anchor of ../shared/reference/quality_anchors.md
(development only), so the anchor's seed spread can be seen next to Apiary's.

The anchors' stated setup: fitted on train.csv, as many rows sampled, continuous bounds public
(10 equal-width bins between the train minimum and maximum, no budget spent on them),
delta = 1e-9. smartnoise needs PyTorch; keep it out of the system Python:

  python3 -m venv /tmp/snvenv && /tmp/snvenv/bin/pip install smartnoise-synth sdmetrics scikit-learn pandas
  /tmp/snvenv/bin/python scripts/dev/smartnoise_mst.py --data Deploy/sample-data/flchain --epsilon 1 --seed 0 --out /tmp/sn/flchain-1-0.csv
  python3 scripts/dev/quality_eval.py --data Deploy/sample-data/flchain --synthetic /tmp/sn/flchain-1-0.csv

Categorical columns are written back as their original text (smartnoise returns floats for
numeric-looking categories).
"""
import argparse, json, os, warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="folder with meta.json and train.csv")
    parser.add_argument("--epsilon", type=float, required=True)
    parser.add_argument("--delta", type=float, default=1e-9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--synthesizer", default="mst", help="mst or aim")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    from snsynth import Synthesizer
    from snsynth.transform import BinTransformer, LabelTransformer, TableTransformer

    meta = json.load(open(os.path.join(args.data, "meta.json")))
    train = pd.read_csv(os.path.join(args.data, "train.csv"))
    columns = list(meta["columns"])
    transformers = []
    for column in columns:
        if meta["columns"][column] == "categorical":
            train[column] = train[column].astype(str)
            transformers.append(LabelTransformer(nullable=False))
        else:
            low, high = float(train[column].min()), float(train[column].max())
            transformers.append(BinTransformer(bins=10, lower=low, upper=high, nullable=False))
    np.random.seed(args.seed)
    synthesizer = Synthesizer.create(args.synthesizer, epsilon=args.epsilon, delta=args.delta)
    synthesizer.fit(train[columns], transformer=TableTransformer(transformers), preprocessor_eps=0.0)
    synthetic = synthesizer.sample(len(train))

    def as_text(value):
        text = str(value)
        try:
            number = float(text)
            return str(int(number)) if number.is_integer() else text
        except ValueError:
            return text

    for column in columns:
        if meta["columns"][column] == "categorical":
            synthetic[column] = synthetic[column].map(as_text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    synthetic.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
