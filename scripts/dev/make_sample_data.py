#!/usr/bin/env python3
"""Builds Deploy/sample-data/<table>/ from ../shared/data/<table>/ (development only).

- copies train.csv, test.csv and meta.json unchanged;
- splits train.csv into institution-a.csv, institution-b.csv, institution-c.csv by row index
  modulo 3 (row 0 -> a, row 1 -> b, row 2 -> c, ...): deterministic and roughly stratified,
  since the source rows are in random order;
- drafts schema.json with `apiary-coordinator schema infer` and applies the reviewed public
  bounds below: the upper bound widened to a publicly plausible maximum, with one extra bin edge
  at the draft's upper bound so the sample's bins are kept and the tail gets a bin of its own.

usage: python3 scripts/dev/make_sample_data.py --coordinator .build/release/apiary-coordinator \
           --source ../shared/data --out Deploy/sample-data
"""
import argparse, csv, json, os, shutil, subprocess

# Reviewed public bounds: (lower, upper) per numeric column. Ranges a domain expert would accept
# without looking at the private rows (ages, loan sizes, assay ranges), wider than the sample.
REVIEWED = {
    "credit": {"target": "Status", "positive": "bad", "bounds": {
        "Seniority": (0, 60), "Time": (0, 72), "Age": (18, 100), "Expenses": (0, 250), "Income": (0, 1500),
        "Assets": (0, 300000), "Debt": (0, 30000), "Amount": (0, 6000), "Price": (0, 15000)}},
    "flchain": {"target": "death", "positive": "1", "bounds": {
        "age": (50, 110), "kappa": (0, 30), "lambda": (0, 30), "creatinine": (0, 15)}},
}

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    for name, review in REVIEWED.items():
        source, target = os.path.join(args.source, name), os.path.join(args.out, name)
        os.makedirs(target, exist_ok=True)
        for file in ("train.csv", "test.csv", "meta.json"):
            shutil.copyfile(os.path.join(source, file), os.path.join(target, file))
        with open(os.path.join(source, "train.csv"), newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        for k, letter in enumerate("abc"):
            with open(os.path.join(target, f"institution-{letter}.csv"), "w", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(row for i, row in enumerate(body) if i % 3 == k)
        draft = json.loads(subprocess.check_output([args.coordinator, "schema", "infer", os.path.join(source, "train.csv"),
                                                    "--target", review["target"], "--positive", review["positive"]]))
        for column in draft["columns"]:
            if column["name"] in review["bounds"]:
                lower, upper = review["bounds"][column["name"]]
                edges = column["bin_edges"]
                assert lower <= edges[0] and upper >= edges[-1], column["name"]
                if lower < edges[0]:
                    edges[0] = lower
                if upper > edges[-1]:
                    edges.append(upper)
                column["lower"], column["upper"] = lower, upper
        with open(os.path.join(target, "schema.json"), "w") as f:
            json.dump(draft, f, indent=2, sort_keys=True)
            f.write("\n")

if __name__ == "__main__":
    main()
