#!/usr/bin/python3
"""One Markdown row per evaluated setting from compnn eval's table.json files: the OR's and PR's
agreement with the network overall and for chosen classes, the OR's MPA and mIoU gap from the
baseline, coherence and time, and the network's precision on its training images.

    bench/faithfulness_table.py [--classes pole,sign symbol,...] NAME=OUT/table.json ...
"""
import argparse
import json
import sys


def agreement(row, name):
    for c in row.get("per_class_agreement", []):
        if c["class"] == name:
            return c.get("accuracy")
    return None


def cell(value, digits=3):
    return "-" if value is None else f"{value:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", default="pole,sign symbol,pedestrian,bicyclist")
    parser.add_argument("tables", nargs="+", metavar="NAME=TABLE.json")
    args = parser.parse_args()
    classes = [c for c in args.classes.split(",") if c]
    head = ["setting", "row", "OR agreement", "PR agreement", "OR MPA gap", "OR mIoU gap"]
    head += [f"OR / PR {c}" for c in classes]
    head += ["top-5 share", "mean region (px)", "s / query"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    precision = None
    for spec in args.tables:
        name, _, path = spec.partition("=")
        try:
            with open(path) as f:
                table = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            return 2
        base = table["baselines"][0]
        precision = precision or table.get("network_training_precision")
        for layer in table["layers"]:
            stride = layer["stride"]
            prs = layer.get("prediction_reconstructions", [])
            for i, r in enumerate(layer["output_reconstructions"]):
                p = prs[i] if i < len(prs) else {}
                row = [name, f"{layer['layer']}: {r['approach']}",
                       cell(r.get("agreement_with_network")), cell(p.get("agreement_with_network")),
                       f"{r['mean_pixel_accuracy'] - base['mean_pixel_accuracy']:+.3f}",
                       f"{r['mean_iou'] - base['mean_iou']:+.3f}"]
                row += [f"{cell(agreement(r, c), 2)} / {cell(agreement(p, c), 2)}" for c in classes]
                region = r.get("mean_region_cells")
                row += [cell(r.get("top5_source_share"), 2),
                        "-" if region is None else f"{region * stride * stride:.0f}",
                        cell(r.get("seconds_per_query"), 2)]
                print("| " + " | ".join(row) + " |")
    if precision:
        known = {p["class"]: p.get("precision") for p in precision}
        print("\nThe network's precision on its training images: " +
              ", ".join(f"{c} {cell(known.get(c), 3)}" for c in classes) + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
