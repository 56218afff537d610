#!/usr/bin/env python3
"""A generated wide table for timing runs (development only): 200 columns, 300 rows, split
into three institution files of 100 rows, plus the union for `schema infer`.

160 numeric columns driven by 8 latent factors (so pairs correlate), 39 categorical columns of
2-6 categories (each tied to a factor), and a binary target. Deterministic (seed 0).

usage: python3 scripts/dev/wide_table.py OUT_DIR
"""
import csv, os, random, sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(0)
    numeric, categorical = 160, 39
    header = [f"x{i}" for i in range(numeric)] + [f"c{i}" for i in range(categorical)] + ["target"]
    loadings = [(rng.randrange(8), rng.uniform(0.4, 0.9)) for _ in range(numeric)]
    levels = [(rng.randrange(8), rng.randint(2, 6)) for _ in range(categorical)]
    rows = []
    for _ in range(300):
        factors = [rng.gauss(0, 1) for _ in range(8)]
        row = [f"{10 * (w * factors[f] + (1 - w * w) ** 0.5 * rng.gauss(0, 1)) + 50:.2f}" for f, w in loadings]
        for f, k in levels:
            score = factors[f] + rng.gauss(0, 0.7)
            row.append(chr(ord("a") + min(k - 1, max(0, int((score + 2) / 4 * k)))))
        row.append("yes" if factors[0] + factors[1] + rng.gauss(0, 1) > 0.5 else "no")
        rows.append(row)
    def write(name, part):
        with open(os.path.join(out, name), "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(part)
    write("union.csv", rows)
    for index, name in enumerate("abc"):
        write(f"{name}.csv", rows[100 * index:100 * (index + 1)])


if __name__ == "__main__":
    main()
