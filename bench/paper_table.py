#!/usr/bin/python3
"""The paper's Table 1 (or Table 2) column of one dataset beside compnn eval's table.json: the
baseline in absolute numbers, every other row as its difference from the baseline, the
agreement with the network, and the paper's numbers where it gives them.

    bench/paper_table.py --dataset facades|cityscapes|camvid --table 1|2 TABLE.json [LAYER]
"""
import argparse
import json
import sys

# The paper's Table 1: (MPA, mIoU) of the baseline, then differences from it; Table 2: IR MPA.
PAPER_TABLE1 = {
    "facades": {"Baseline CNN": (0.5105, 0.2218), "GR (bottleneck)": (-0.1963, -0.1437),
                "GR (penultimate)": (-0.1730, -0.1126), "OR (top 1)": (-0.0102, -0.0253),
                "OR (top 16)": (0.0324, 0.0214), "OR (top 32)": (0.0336, 0.0232),
                "OR (top 64)": (0.0343, 0.0246)},
    "cityscapes": {"Baseline CNN": (0.7618, 0.2097), "GR (bottleneck)": (-0.1488, -0.0735),
                   "GR (penultimate)": (-0.1333, -0.0702), "OR (top 1)": (-0.0545, -0.0277),
                   "OR (top 16)": (-0.0218, 0.0014), "OR (top 32)": (-0.0182, 0.0011),
                   "OR (top 64)": (-0.0171, 0.0020)},
    "camvid": {"Baseline CNN": (0.7900, 0.4443), "GR (bottleneck)": (-0.2200, -0.1981),
               "GR (penultimate)": (-0.1263, -0.1358), "OR (top 1)": (-0.0350, -0.0720)},
}
PAPER_TABLE2 = {"facades": {1: 0.723, 16: 0.837, 32: 0.844, 64: 0.846},
                "cityscapes": {1: 0.816, 16: 0.894, 32: 0.898, 64: 0.901}}


def number(value, signed=False):
    if value is None:
        return ""
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def paper_key(row):
    """The paper's row for one of ours: GR (penultimate: decoder2) is its GR (FC7), OR (top T,
    k 1) its OR (top T); rows of more matches a cell, the PR and every image have none."""
    approach = row["approach"]
    if approach.startswith("GR (penultimate"):
        return "GR (penultimate)"
    if approach.startswith("OR") and row.get("k", 1) == 1 and row.get("topk", 0) > 0:
        return f"OR (top {row['topk']})"
    return approach


def table1(record, layer, dataset):
    paper = PAPER_TABLE1.get(dataset, {})
    base = record["baselines"][0]
    print("| approach | MPA | mIoU | agreement with network | paper MPA | paper mIoU |")
    print("|---|---|---|---|---|---|")
    rows = list(record["baselines"])
    for entry in record["layers"]:
        if entry["layer"] == layer:
            rows += entry.get("output_reconstructions", [])
            rows += entry.get("prediction_reconstructions", [])
    for row in rows:
        baseline = row is base
        mpa, miou = row["mean_pixel_accuracy"], row["mean_iou"]
        if not baseline:
            mpa, miou = mpa - base["mean_pixel_accuracy"], miou - base["mean_iou"]
        theirs = paper.get(paper_key(row), (None, None))
        agreement = row.get("agreement_with_network")
        print(f"| {row['approach']} | {number(mpa, not baseline)} | {number(miou, not baseline)} "
              f"| {number(agreement) if agreement is not None else '-'} "
              f"| {number(theirs[0], not baseline)} | {number(theirs[1], not baseline)} |")


def table2(record, layer, dataset):
    paper = PAPER_TABLE2.get(dataset, {})
    print("| approach | IR MPA | IR mIoU | paper IR MPA |")
    print("|---|---|---|---|")
    for entry in record["layers"]:
        if entry["layer"] != layer:
            continue
        for row in entry.get("input_reconstructions", []):
            theirs = paper.get(row.get("topk")) if row.get("k", 1) == 1 else None
            print(f"| {row['approach']} | {number(row['mean_pixel_accuracy'])} "
                  f"| {number(row['mean_iou'])} | {number(theirs)} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["facades", "cityscapes", "camvid"], required=True)
    parser.add_argument("--table", choices=["1", "2"], default="1")
    parser.add_argument("record", metavar="TABLE.json")
    parser.add_argument("layer", nargs="?", default="decoder2")
    args = parser.parse_args()
    try:
        with open(args.record) as f:
            record = json.load(f)
    except (OSError, ValueError) as error:
        print(f"{args.record}: {error}", file=sys.stderr)
        return 2
    if not any(entry["layer"] == args.layer for entry in record.get("layers", [])):
        print(f"{args.record}: no layer {args.layer}", file=sys.stderr)
        return 2
    (table1 if args.table == "1" else table2)(record, args.layer, args.dataset)
    return 0


if __name__ == "__main__":
    sys.exit(main())
