"""Helper of run_fixed.sh (Debian's /usr/bin/python3).

  run_fixed.py inputs OUT    seeded NumPy arrays and a pix2pix-layout JPEG folder (no compnn)
  run_fixed.py package OUT   exercises the compnn Python package on OUT's arrays and stores,
                             writing .npy/.json under OUT/python

Every optional argument of the package is passed by keyword, never left to its default.
"""

import json
import os
import sys

import numpy as np


def make_inputs(out):
    rng = np.random.default_rng(11)
    arrays = os.path.join(out, "arrays")
    acts = os.path.join(arrays, "acts")
    os.makedirs(acts)
    save = lambda name, a: np.save(os.path.join(arrays, name), a)  # noqa: E731
    database = rng.standard_normal((5, 10, 10, 16)).astype(np.float32)
    save("query.npy", rng.standard_normal((8, 8, 16)).astype(np.float32))
    save("query-d8.npy", rng.standard_normal((6, 6, 8)).astype(np.float32))
    save("database.npy", database)
    save("database-f16.npy", database.astype(np.float16))
    save("query-global.npy", rng.standard_normal(6).astype(np.float32))
    save("database-global.npy", rng.standard_normal((5, 6)).astype(np.float32))
    # activations "saved by another tool", channels first: (N, D, H, W)
    np.save(os.path.join(acts, "fine.npy"), rng.standard_normal((4, 8, 16, 16)).astype(np.float32))
    np.save(os.path.join(acts, "coarse.npy"), rng.standard_normal((4, 8, 4, 4)).astype(np.float32))
    with open(os.path.join(acts, "names.txt"), "w") as f:
        f.write("".join(f"act_{i}\n" for i in range(4)))

    # pix2pix's published layout (SRC/{train,val,test}/N.jpg) from the generated facades
    from PIL import Image
    splits = {"train": [0, 1, 2], "val": [0], "test": [0]}
    for split, indices in splits.items():
        os.makedirs(os.path.join(out, "pix2pix-src", split))
        for n, i in enumerate(indices, 1):
            pair = Image.open(os.path.join(out, "data/facades", split, f"facade_{split}_{i:04d}.png"))
            pair.convert("RGB").save(os.path.join(out, "pix2pix-src", split, f"{n}.jpg"), quality=95)


def exercise_package(out):
    import compnn

    dest = os.path.join(out, "python")
    os.makedirs(dest)
    results = {}

    def save_field(name, nnf, similarity):
        np.save(os.path.join(dest, f"{name}-nnf.npy"), np.asarray(nnf))
        np.save(os.path.join(dest, f"{name}-similarity.npy"), np.asarray(similarity))

    # compnn.match, on the arrays compnn match searched
    arr = lambda name: np.load(os.path.join(out, "arrays", name))  # noqa: E731
    query, database = arr("query.npy"), arr("database.npy")
    common = dict(hyperpatch=(2, 2), images=None, topk_images=0, query_global=None,
                  database_global=None, iterations=32, seed=0, k=1, channels_first=False,
                  threads=1, search_matches=1)
    save_field("match-exact", *compnn.match(query, database, method="exact", **common))
    save_field("match-hpm", *compnn.match(query, database, method="hpm", **common))
    hpm_k2 = dict(common, seed=3, iterations=8, k=2, search_matches=2, images=[0, 1, 3])
    save_field("match-hpm-k2", *compnn.match(query, arr("database-f16.npy"), method="hpm", **hpm_k2))
    topk = dict(common, topk_images=2, query_global=arr("query-global.npy"),
                database_global=arr("database-global.npy"))
    save_field("match-exact-topk", *compnn.match(query, database, method="exact", **topk))

    # FeatureStore.search on the scenes store (query: a training image's own maps)
    store = compnn.FeatureStore(os.path.join(out, "stores/scenes"))
    layer = "decoder2"
    query_map = np.asarray(store.layer(layer)[0], dtype=np.float32)
    query_global = np.asarray(store.global_descriptors[0], dtype=np.float32)
    others = list(store.images[1:])
    results["store"] = {"images": list(store.images), "layers": list(store.layers),
                        "global_layer": store.global_layer, "default_layer": store.default_layer()}
    search = dict(method="hpm", topk_images=4, where=None, images=others, iterations=32, seed=5,
                  threads=1, channels_first=False, k=1, search_matches=1, use_cell_index=True,
                  index_probes=1, index_shortlist=64)
    for name, options in (("search-hpm", search),
                          ("search-exact-k3", dict(search, method="exact", topk_images=0, k=3)),
                          ("search-projected", dict(search, method="projected", seed=7))):
        found = store.search(layer, query_map, query_global, **options)
        save_field(name, found.nnf, found.similarity)
        results[name] = {"candidates": list(found.candidates), "searched_by": found.searched_by}

    # credibility_map with eval --credibility's calibration, fields searched as it says
    with open(os.path.join(out, "eval/scenes-credibility/calibration.json")) as f:
        calibration = json.load(f)
    s = calibration["search"]
    # The searcher's parameters (older calibrations held HyperPatch-Match's two beside them).
    params = s.get("parameters", {})
    iterations = params.get("max_iterations", s.get("iterations"))
    search_matches = params.get("search_matches", s.get("search_matches"))
    strides = {entry["name"]: entry["stride"] for entry in store.manifest["layers"]}
    fields = []
    for cal_layer in calibration["layers"]:
        found = store.search(cal_layer, np.asarray(store.layer(cal_layer)[0], dtype=np.float32),
                             query_global, method=s["method"], topk_images=s["topk_images"],
                             where=None, images=others, iterations=iterations,
                             seed=s["seed"], threads=1, channels_first=False,
                             k=calibration["k"], search_matches=search_matches,
                             use_cell_index=s["use_cell_index"], index_probes=s["index_probes"],
                             index_shortlist=s["index_shortlist"])
        fields.append((found.nnf, found.similarity, strides[cal_layer]))
    colours = np.array([c["colour"] for c in store.palette["classes"]], dtype=np.int32)
    prediction = np.asarray(store.predictions[0], dtype=np.int32)
    classes = np.abs(prediction[:, :, None, :] - colours[None, None]).sum(-1).argmin(-1)
    credibility = compnn.credibility_map(store, fields, classes.astype(np.uint8), calibration)
    np.save(os.path.join(dest, "credibility.npy"), credibility)

    # StoreWriter: a tiny store, read back and searched
    rng = np.random.default_rng(13)
    tiny = os.path.join(dest, "tiny-store")
    writer = compnn.StoreWriter(tiny, input_size=(16, 16), global_layer="g", dtype="f32",
                                hyperpatch=(2, 2), model={"name": "fixed"},
                                dataset={"name": "fixed"}, pixels=("inputs", "targets"),
                                labels=(), palette=None, overwrite=False)
    with writer:
        for i in range(3):
            maps = {"a": rng.standard_normal((4, 4, 8)).astype(np.float32),
                    "g": rng.standard_normal((1, 1, 4)).astype(np.float32)}
            pixels = rng.integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
            writer.append(f"tiny_{i}", maps, inputs=pixels[0], targets=pixels[1],
                          channels_first=False, predictions=None)
    small = compnn.FeatureStore(tiny)
    small.verify()
    found = small.search("a", rng.standard_normal((4, 4, 8)).astype(np.float32),
                         rng.standard_normal(4).astype(np.float32), method="exact",
                         topk_images=0, where=None, images=None, iterations=32, seed=0,
                         threads=1, channels_first=False, k=1, search_matches=1,
                         use_cell_index=True, index_probes=1, index_shortlist=64)
    save_field("tiny-search", found.nnf, found.similarity)
    results["tiny-store"] = {"images": list(small.images), "layers": list(small.layers),
                             "candidates": list(found.candidates)}

    with open(os.path.join(dest, "results.json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("inputs", "package"):
        sys.exit("usage: run_fixed.py inputs|package OUT")
    (make_inputs if sys.argv[1] == "inputs" else exercise_package)(sys.argv[2])
