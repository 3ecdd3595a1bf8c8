"""compnn.torch: a store captured with hooks from an nn.Module equals compnn index's capture of
its TorchScript export; explanations equal compnn explain's and a numpy paste."""

import html
import json
import os
import shutil

import numpy as np
import pytest
import torch

import compnn
import compnn.torch

LAYERS = ["down_path.1", "up_path.1", "up_path.2.Fuse_Block:input"]


@pytest.fixture(scope="module")
def stores(cli, facades, unet, unet_script, tmp_path_factory):
    root = tmp_path_factory.mktemp("stores")
    # Without pixels, so that one store pastes from its dataset and the other from its own pixels.
    cli("index", "--model", unet_script, "--data", facades, "--split", "train", "--layers",
        ",".join(LAYERS), "--dtype", "f32", "--no-pixels", "--out", root / "script")
    data = compnn.Dataset(facades, "train")
    compnn.torch.index(unet, data, LAYERS, root / "hooks", dtype="f32", batch_size=3,
                       progress=False)
    return root / "script", root / "hooks"


def test_hooks_store_equals_the_torchscript_capture(stores):
    script, hooks = (compnn.FeatureStore(p) for p in stores)
    assert hooks.images == script.images
    assert hooks.layers == script.layers  # forward order, global layer included
    assert hooks.global_layer == script.global_layer
    assert hooks.input_size == script.input_size
    for name in script.layers:
        assert hooks.layer_info(name).stride == script.layer_info(name).stride
        np.testing.assert_allclose(hooks.layer(name), script.layer(name), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(hooks.global_descriptors, script.global_descriptors, rtol=1e-5,
                               atol=1e-5)


def test_hooks_store_opens_in_the_command_line(cli, stores, unet_script, facades, tmp_path):
    hooks = stores[1]
    cli("verify", hooks)
    cli("explain", "--model", unet_script, "--store", hooks, "--query",
        compnn.Dataset(facades, "val").names[0], "--out", tmp_path / "cli", "--method", "exact",
        "--topk-images", 0, "--layer", "up_path.1")
    summary = json.loads(next((tmp_path / "cli").glob("*/summary.json")).read_text())
    assert summary["layer"] == "up_path.1"


def test_explain_equals_the_command_and_a_numpy_paste(cli, stores, unet, unet_script, facades,
                                                      tmp_path):
    hooks = compnn.FeatureStore(stores[1])
    val = compnn.Dataset(facades, "val")
    name = val.names[0]
    e = compnn.torch.explain(unet, hooks, torch.from_numpy(val[0]), layer="up_path.1",
                             method="exact", topk_images=0, name=name)
    cli("explain", "--model", unet_script, "--store", stores[0], "--query", name, "--out",
        tmp_path / "cli", "--method", "exact", "--topk-images", 0, "--layer", "up_path.1")
    want = np.load(tmp_path / "cli" / name / "nnf.npy")
    # TorchScript and eager PyTorch may differ in the last bits: near-ties may flip.
    assert (e.nnf == want).all(axis=-1).mean() > 0.98
    # The reconstructions paste stride x stride patches of the training images (numpy reference).
    stride = e.stride
    inputs = np.stack([compnn.Dataset(facades, "train").pixels(i)[0] for i in range(10)])
    targets = np.stack([compnn.Dataset(facades, "train").pixels(i)[1] for i in range(10)])
    for pasted, sources in ((e.input_reconstruction, inputs), (e.output_reconstruction, targets)):
        expected = np.zeros_like(pasted)
        for y in range(e.nnf.shape[0]):
            for x in range(e.nnf.shape[1]):
                i, my, mx = e.nnf[y, x]
                expected[y * stride:(y + 1) * stride, x * stride:(x + 1) * stride] = sources[
                    i, my * stride:(my + 1) * stride, mx * stride:(mx + 1) * stride]
        np.testing.assert_array_equal(pasted, expected)
    # Shares of the reconstruction's pixels, largest first, summing to one.
    shares = [s for _, s in e.sources]
    assert shares == sorted(shares, reverse=True) and abs(sum(shares) - 1) < 1e-9
    # save() writes the files of compnn explain.
    summary = e.save(tmp_path / "py")
    cli_files = sorted(p.name for p in (tmp_path / "cli" / name).iterdir())
    assert sorted(p.name for p in (tmp_path / "py").iterdir()) == cli_files
    np.testing.assert_array_equal(np.load(tmp_path / "py" / "nnf.npy"), e.nnf)
    assert summary["layer"] == "up_path.1" and summary["sources"][0]["image"] == e.sources[0][0]
    # The summary records what compnn explain's does (a module has no model file to name), the
    # search's record from the same engine call.
    cli_summary = json.loads((tmp_path / "cli" / name / "summary.json").read_text())
    assert set(summary) == set(cli_summary) - {"model"}
    assert set(summary["seconds"]) == set(cli_summary["seconds"]) - {"reconstruct", "total"}
    for key in ("method", "topk_images", "k", "searched_by", "candidates", "stride"):
        assert summary[key] == cli_summary[key], key
    assert summary["mean_similarity"] == pytest.approx(float(e.similarity.mean()), abs=1e-6)
    # Label targets: how the output reconstruction follows the network's classes, measured as
    # the command line measures it (eager and TorchScript may differ in near-ties).
    agreement = e.agreement_with_network["output_reconstruction"]
    assert summary["agreement_with_network"]["output_reconstruction"] == agreement
    want_agreement = cli_summary["agreement_with_network"]["output_reconstruction"]["overall"]
    assert agreement["overall"] == pytest.approx(want_agreement, abs=0.02)
    # In a notebook it displays as the explorer page of itself (test_explorer.py hovers it).
    shown = e._repr_html_()
    assert shown.startswith('<iframe class="compnn-explorer" srcdoc="')
    assert html.unescape(shown.split('srcdoc="', 1)[1].split('" style=', 1)[0]) == \
        compnn.explorer_html(e)


def test_store_with_pixels_explains_without_a_dataset(unet, facades, tmp_path):
    data = compnn.Dataset(facades, "train")
    inputs = np.stack([data.pixels(i)[0] for i in range(len(data))])
    targets = np.stack([data.pixels(i)[1] for i in range(len(data))])
    # A plain tensor of model-ready images, given in two batches, with pixels as arrays.
    ready = torch.from_numpy(np.stack([data[i] for i in range(len(data))]))
    store = compnn.torch.index(unet, [ready[:4], ready[4:]], ["up_path.1"], tmp_path / "s",
                               inputs=inputs, targets=torch.from_numpy(targets), progress=False)
    assert store.images[:2] == ["image_00000", "image_00001"]
    assert store.manifest["dataset"] == {}
    np.testing.assert_array_equal(store.targets, targets)
    query = torch.from_numpy(compnn.Dataset(facades, "val")[1])
    e = compnn.torch.explain(unet, store, query, seed=3)
    assert e.layer == "up_path.1" and e.output_reconstruction.shape == (64, 64, 3)
    used = set(e.nnf[..., 0].ravel().tolist())
    assert {n for n, _ in e.sources} == {store.images[i] for i in used}


def test_named_results_and_keyword_only_options(stores, unet, facades):
    val = compnn.Dataset(facades, "val")
    pair = val.pixels(0)
    assert isinstance(pair, compnn.ImagePair) and pair.input.shape == pair.target.shape
    _, truth = pair
    layers = compnn.torch.layers(unet, val[0])
    assert all(isinstance(layer, compnn.torch.ModuleLayer) for layer in layers)
    by_name = {layer.name: layer for layer in layers}
    assert by_name["up_path.1"].stride == 2 and by_name["up_path.1"].height == 32
    store = compnn.FeatureStore(stores[1])
    e = compnn.torch.explain(unet, store, val[0], layer="up_path.1", truth=truth)
    assert isinstance(e, compnn.Explanation) and e.method == "hpm"
    assert all(isinstance(source, compnn.Source) for source in e.sources)
    assert e.sources[0].name == e.sources[0][0] and 0 < e.sources[0].share <= 1
    with pytest.raises(TypeError, match="positional"):
        compnn.torch.explain(unet, store, val[0], "up_path.1")
    with pytest.raises(TypeError, match="positional"):
        compnn.torch.index(unet, [val[0]], ["up_path.1"], "unused", ["name"])
    with pytest.raises(TypeError, match="positional"):
        compnn.Dataset(facades, "val", 64)


def test_index_errors(unet, unet_script, tmp_path):
    images = [torch.zeros(3, 64, 64)]
    with pytest.raises(ValueError, match="'nope' is not a submodule of TinyUNet"):
        compnn.torch.index(unet, images, ["nope"], tmp_path / "a", progress=False)
    with pytest.raises(ValueError, match="TorchScript"):
        compnn.torch.index(torch.jit.load(str(unet_script)), images, ["up_path.1"], tmp_path / "b")
    with pytest.raises(ValueError, match="is not an image"):
        compnn.torch.index(unet, [torch.zeros(64, 64)], ["up_path.1"], tmp_path / "c",
                           progress=False)
    with pytest.raises(ValueError, match="not a float type"):
        compnn.torch.index(unet, [torch.zeros(3, 64, 64, dtype=torch.int64)], ["up_path.1"],
                           tmp_path / "d", progress=False)
    with pytest.raises(ValueError, match="2 names for 1 images"):
        compnn.torch.index(unet, images, ["up_path.1"], tmp_path / "e", names=["a", "b"],
                           progress=False)
    assert not any(tmp_path.iterdir())  # nothing half-written is left
    with pytest.raises(FileNotFoundError, match="no such dataset folder"):
        compnn.Dataset(tmp_path / "nowhere")


def test_command_line_explains_a_pixel_store_without_a_dataset(cli, unet, unet_script, facades,
                                                               tmp_path):
    from PIL import Image

    data = compnn.Dataset(facades, "train")
    pairs = [data.pixels(i) for i in range(len(data))]
    ready = [data[i] for i in range(len(data))]
    compnn.torch.index(unet, ready, ["up_path.1"], tmp_path / "s", names=data.names,
                       inputs=[p[0] for p in pairs], targets=[p[1] for p in pairs],
                       progress=False)
    query = compnn.Dataset(facades, "val").pixels(0)[0]
    Image.fromarray(query).save(tmp_path / "query.png")
    # No --data, and the store names no dataset: the store's pixels are pasted.
    cli("explain", "--model", unet_script, "--store", tmp_path / "s", "--query",
        tmp_path / "query.png", "--out", tmp_path / "out", "--method", "exact", "--topk-images", 0)
    nnf = np.load(tmp_path / "out" / "query" / "nnf.npy")
    pasted = np.asarray(Image.open(tmp_path / "out" / "query" / "output-reconstruction.png"))
    stride = 64 // nnf.shape[0]
    targets = np.stack([p[1] for p in pairs])
    for y in range(nnf.shape[0]):
        for x in range(nnf.shape[1]):
            i, my, mx = nnf[y, x]
            np.testing.assert_array_equal(
                pasted[y * stride:(y + 1) * stride, x * stride:(x + 1) * stride],
                targets[i, my * stride:(my + 1) * stride, mx * stride:(mx + 1) * stride])
    # Dataset image names cannot be looked up without a dataset: the error says so.
    result = cli("explain", "--model", unet_script, "--store", tmp_path / "s", "--query",
                 "facade_val_0000", "--out", tmp_path / "out2", check=False)
    assert result.returncode == 2 and "no such file" in result.stderr


def test_concurrent_explanations_of_one_model_equal_serial_ones(stores, unet, facades,
                                                                concurrently):
    store = compnn.FeatureStore(stores[1])
    val = compnn.Dataset(facades, "val")
    queries = [torch.from_numpy(val[i % 2]) for i in range(6)]
    serial = [compnn.torch.explain(unet, store, q, seed=i, threads=1).nnf
              for i, q in enumerate(queries)]
    results = concurrently(
        lambda i: compnn.torch.explain(unet, store, queries[i], seed=i, threads=1).nnf,
        len(queries))
    for got, want in zip(results, serial):
        np.testing.assert_array_equal(got, want)


def test_explain_and_index_refuse_what_they_would_misread(stores, unet, facades, tmp_path):
    store = compnn.FeatureStore(stores[1])
    query = torch.from_numpy(compnn.Dataset(facades, "val")[0])
    with pytest.raises(ValueError, match="pixels: a float32 array .* not an \\(H, W, 3\\) uint8"):
        compnn.torch.explain(unet, store, query, pixels=np.zeros((64, 64, 3), np.float32))
    with pytest.raises(ValueError, match="query: 32x32 \\(HxW\\), but .* of 64x64 inputs"):
        compnn.torch.explain(unet, store, torch.zeros(3, 32, 32))
    with pytest.raises(ValueError, match="inputs and targets go together"):
        compnn.torch.index(unet, [query], ["up_path.1"], tmp_path / "x",
                           inputs=np.zeros((1, 64, 64, 3), np.uint8), progress=False)


def test_a_store_without_pixels_pastes_from_its_dataset(stores, unet, facades):
    # Indexed with --no-pixels: the reconstructions read the pairs the store names.
    script = compnn.FeatureStore(stores[0])
    assert script.inputs is None and script.targets is None
    e = compnn.torch.explain(unet, script, torch.from_numpy(compnn.Dataset(facades, "val")[1]),
                             layer="up_path.1", method="exact", topk_images=0)
    train = compnn.Dataset(facades, "train")
    pairs = {name: train.pixels(i) for i, name in enumerate(train.names)}
    s = e.stride
    for y in range(e.nnf.shape[0]):
        for x in range(e.nnf.shape[1]):
            i, my, mx = e.nnf[y, x]
            source = pairs[script.images[i]]
            for side, pasted in ((0, e.input_reconstruction), (1, e.output_reconstruction)):
                np.testing.assert_array_equal(
                    pasted[y * s:(y + 1) * s, x * s:(x + 1) * s],
                    source[side][my * s:(my + 1) * s, mx * s:(mx + 1) * s])


def test_compnn_index_keeps_pixels_that_paste_as_the_dataset_does(cli, stores, unet, unet_script,
                                                                  facades, tmp_path):
    # By default compnn index keeps the pairs' pixels; explanations pasting from them equal those
    # pasting from the dataset's PNGs (the fixture's store, indexed with --no-pixels).
    cli("index", "--model", unet_script, "--data", facades, "--split", "train", "--layers",
        ",".join(LAYERS), "--dtype", "f32", "--out", tmp_path / "kept")
    kept = compnn.FeatureStore(tmp_path / "kept")
    bare = compnn.FeatureStore(stores[0])
    assert kept.inputs is not None and kept.targets is not None
    train = compnn.Dataset(facades, "train")
    for i, name in enumerate(kept.images):
        a, b = train.pixels(train.names.index(name))
        np.testing.assert_array_equal(kept.inputs[i], a)
        np.testing.assert_array_equal(kept.targets[i], b)
    query = torch.from_numpy(compnn.Dataset(facades, "val")[1])
    e_kept = compnn.torch.explain(unet, kept, query, layer="up_path.1", method="exact",
                                  topk_images=0)
    e_bare = compnn.torch.explain(unet, bare, query, layer="up_path.1", method="exact",
                                  topk_images=0)
    np.testing.assert_array_equal(e_kept.nnf, e_bare.nnf)
    np.testing.assert_array_equal(e_kept.input_reconstruction, e_bare.input_reconstruction)
    np.testing.assert_array_equal(e_kept.output_reconstruction, e_bare.output_reconstruction)


def test_predictions_are_the_networks_outputs_and_k_matches_vote_by_similarity(unet, facades,
                                                                               tmp_path):
    data = compnn.Dataset(facades, "train")
    assert data.target_is_labels  # photos in, label images out
    store = compnn.torch.index(unet, data, ["up_path.1"], tmp_path / "s", progress=False)
    # The kept predictions: the network's output in 0..255, each pixel in the nearest palette
    # colour (numpy reference).
    ready = torch.from_numpy(np.stack([data[i] for i in range(len(data))]))
    with torch.no_grad():
        raw = unet(ready).numpy().transpose(0, 2, 3, 1)
    rgb = np.clip(np.round((raw + 1) * 127.5), 0, 255)
    colours = np.array([c["colour"] for c in data.palette["classes"]], np.float64)
    nearest = ((rgb[..., None, :] - colours) ** 2).sum(-1).argmin(-1)
    matches = (store.predictions == colours[nearest].astype(np.uint8)).all(-1)
    assert matches.mean() > 0.99  # batched and whole passes may differ in the last bits
    assert store.pixels_are_labels("predictions")

    query = torch.from_numpy(compnn.Dataset(facades, "val")[0])
    e = compnn.torch.explain(unet, store, query, method="exact", topk_images=0, k=3)
    assert e.nnf.shape[2:] == (3, 3) and e.similarity.shape[2] == 3
    assert (np.diff(e.similarity, axis=2) <= 0).all()  # best first
    stride = e.stride
    # Photos (the inputs): the similarity-weighted mean of each cell's three patches.
    weights = np.maximum(e.similarity, 0).astype(np.float64)
    expected = np.zeros(e.input_reconstruction.shape, np.float64)
    for y in range(e.nnf.shape[0]):
        for x in range(e.nnf.shape[1]):
            block = np.zeros((stride, stride, 3))
            for r in range(3):
                i, my, mx = e.nnf[y, x, r]
                block += weights[y, x, r] * store.inputs[i, my * stride:(my + 1) * stride,
                                                         mx * stride:(mx + 1) * stride]
            expected[y * stride:(y + 1) * stride, x * stride:(x + 1) * stride] = (
                block / weights[y, x].sum())
    assert np.abs(e.input_reconstruction - expected).max() <= 0.5 + 1e-6
    # Label images (targets and predictions): each pixel takes the colour of the heaviest vote.
    for pasted, sources in ((e.output_reconstruction, store.targets),
                            (e.prediction_reconstruction, store.predictions)):
        for y, x in ((0, 0), (5, 7), (e.nnf.shape[0] - 1, e.nnf.shape[1] - 1)):
            for py in range(stride):
                for px in range(stride):
                    votes = {}
                    for r in range(3):
                        i, my, mx = e.nnf[y, x, r]
                        colour = tuple(sources[i, my * stride + py, mx * stride + px])
                        votes[colour] = votes.get(colour, 0) + weights[y, x, r]
                    heaviest = max(votes.values())
                    assert votes[tuple(pasted[y * stride + py, x * stride + px])] == heaviest
    summary = e.save(tmp_path / "out")
    assert summary["k"] == 3 and "prediction-reconstruction.png" in summary["files"]


def test_index_shows_progress_and_is_silent_when_asked(unet, facades, tmp_path, capfd):
    data = compnn.Dataset(facades, "train")
    compnn.torch.index(unet, data, ["up_path.1"], tmp_path / "shown", batch_size=4)
    shown = capfd.readouterr().err
    # Off a terminal: whole lines (no carriage returns), the last one with every image counted.
    assert "\r" not in shown
    last = shown.strip().splitlines()[-1]
    assert last.startswith("compnn.torch.index") and f"{len(data)}/{len(data)}" in last
    compnn.torch.index(unet, data, ["up_path.1"], tmp_path / "silent", progress=False)
    assert capfd.readouterr().err == ""


def _comparable(rows):
    """EvalTable rows without their timings."""
    return [{key: value for key, value in row.items() if key != "seconds_per_query"}
            for row in rows]


def test_evaluate_equals_compnn_eval_of_the_torchscript_export(cli, stores, unet, unet_script,
                                                                facades, tmp_path):
    table = compnn.torch.evaluate(unet, stores[1], facades, split="val", layers="up_path.1",
                                  topk_images=[0, 4], k=[1, 2], method="exact",
                                  quality_queries=0, progress=False)
    cli("eval", "--model", unet_script, "--store", stores[1], "--data", facades, "--split", "val",
        "--layer", "up_path.1", "--topk-images", "0,4", "--k", "1,2", "--method", "exact",
        "--quality-queries", 0, "--out", tmp_path / "cli")
    expected = compnn.EvalTable(json.loads((tmp_path / "cli" / "table.json").read_text()), "")
    got, want = _comparable(table.rows()), _comparable(expected.rows())
    # Baselines (network, two GRs), then OR, PR and IR... for each (prefilter, k): 3 + 2 x 4.
    assert [(r["reconstruction"], r["approach"]) for r in got] == [
        (r["reconstruction"], r["approach"]) for r in want]
    assert len(got) >= 3 + 2 * 4
    for g, w in zip(got, want):
        for key, value in w.items():
            if isinstance(value, float):
                assert g[key] == pytest.approx(value, abs=1e-6), (g["approach"], key)
            else:
                assert g[key] == value, (g["approach"], key)
    assert table.record["queries"] == 2 and table.record["split"] == "val"
    # What a notebook shows, and what compnn eval --out writes.
    shown = table._repr_html_()
    assert "<table>" in shown and "Baseline CNN" in shown
    # save writes what compnn eval writes: the same rows, laid out alike (timings aside).
    table.save(tmp_path / "saved")
    saved = (tmp_path / "saved" / "table.json").read_text()
    cli_text = (tmp_path / "cli" / "table.json").read_text()
    def comparable(text):
        return [line for line in text.splitlines()
                if "seconds" not in line and '"model"' not in line]

    assert comparable(saved) == comparable(cli_text)
    assert (tmp_path / "saved" / "table.md").read_text() == table.markdown


def test_evaluate_as_a_dataframe(stores, unet, facades):
    pandas = pytest.importorskip("pandas")
    table = compnn.torch.evaluate(unet, stores[1], facades, split="val", layers="up_path.1",
                                  topk_images=2, quality_queries=0, progress=False)
    frame = table.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == list(compnn.evaluation.ROW_FIELDS)
    network = frame[frame["approach"] == "Baseline CNN"].iloc[0]
    assert network["mean_iou"] == table.record["baselines"][0]["mean_iou"]
    assert len(frame) == len(table.rows())


def test_evaluate_refuses_bad_options_naming_them(stores, unet, facades, tmp_path):
    with pytest.raises(ValueError, match=r"^k must be in \[1"):
        compnn.torch.evaluate(unet, stores[1], facades, split="val", k=0, progress=False)
    with pytest.raises(TypeError, match="^count: "):
        compnn.torch.evaluate(unet, stores[1], facades, split="val", count="3", progress=False)
    with pytest.raises(RuntimeError, match="no_such_layer"):
        compnn.torch.evaluate(unet, stores[1], facades, split="val", layers="no_such_layer",
                              progress=False)
    with pytest.raises(FileNotFoundError, match="not a dataset folder"):
        compnn.torch.evaluate(unet, stores[1], tmp_path / "none", progress=False)
    # A store indexed from bare tensors does not say how queries read from files are scaled.
    bare = compnn.torch.index(unet, [compnn.Dataset(facades, "train")[0]], ["up_path.1"],
                              tmp_path / "bare", progress=False)
    with pytest.raises(ValueError, match="does not record how the network's inputs are scaled"):
        compnn.torch.evaluate(unet, bare, facades, split="val", progress=False)
    with pytest.raises(ValueError, match="torch.nn.Module"):
        compnn.torch.evaluate(object(), stores[1], facades, progress=False)


def test_sweep_and_control_write_what_the_commands_write(cli, stores, unet, unet_script, facades,
                                                         tmp_path):
    query = compnn.Dataset(facades, "val").names[0]
    train = compnn.Dataset(facades, "train")
    colour = train.meta(0)["wall_colour"]
    common = ["--model", unet_script, "--store", stores[1], "--data", facades, "--query", query,
              "--method", "exact", "--topk-images", 4]
    layers = ["down_path.1", "up_path.1"]
    run = compnn.torch.sweep(unet, stores[1], tmp_path / "py-sweep", query, data=facades,
                             layers=layers, method="exact", topk_images=4, progress=False)
    cli("sweep", *common, "--layers", ",".join(layers), "--out", tmp_path / "cli-sweep")
    databases = dict(where=[f"wall_colour={colour}"], images=[train.names[:3]])
    ctl = compnn.torch.control(unet, stores[1], tmp_path / "py-ctl", [query], data=facades,
                               method="exact", topk_images=4, progress=False, **databases)
    cli("control", *common, "--where", f"wall_colour={colour}", "--images",
        ",".join(train.names[:3]), "--out", tmp_path / "cli-ctl")
    for result, folder, files in (
            (run, "cli-sweep", ["sweep.png", "down_path.1-nnf.npy", "up_path.1-nnf.npy"]),
            (ctl, "cli-ctl", ["control.png", "database-1-nnf.npy", "database-2-nnf.npy"])):
        assert result.queries == [query]
        mine = os.path.dirname(result.figures[0])
        theirs = tmp_path / folder / os.path.basename(mine)
        for name in files:  # the same matches, the same figure, to the byte
            assert (theirs / name).read_bytes() == open(os.path.join(mine, name), "rb").read(), name
        assert result.page is not None and os.path.exists(result.page)
        assert "<figure><img src=\"data:image/png;base64," in result._repr_html_()
        assert "srcdoc=" in result.explorer()._repr_html_()
    assert [d["database"] for d in ctl.query_summary(0)["databases"]] == [
        "all training images", f"wall_colour={colour}", "images " + ",".join(train.names[:3])]
    assert [layer["layer"] for layer in run.query_summary(0)["layers"]] == layers


def test_sweep_and_control_refuse_bad_arguments(stores, unet, facades, tmp_path):
    with pytest.raises(ValueError, match="either queries"):
        compnn.torch.sweep(unet, stores[1], tmp_path / "s", data=facades, progress=False)
    with pytest.raises(ValueError, match="where"):
        compnn.torch.control(unet, stores[1], tmp_path / "c", query_split="val", data=facades,
                             progress=False)
    with pytest.raises(RuntimeError, match="wall_colour=plaid"):
        compnn.torch.control(unet, stores[1], tmp_path / "c", query_split="val", data=facades,
                             where="wall_colour=plaid", progress=False)
    with pytest.raises(ValueError, match="images: a list of databases"):
        compnn.torch.control(unet, stores[1], tmp_path / "c", query_split="val", data=facades,
                             images=["a", "b"], progress=False)
    with pytest.raises(RuntimeError, match="no_such_layer"):
        compnn.torch.sweep(unet, stores[1], tmp_path / "s", query_split="val", data=facades,
                           layers="no_such_layer", progress=False)
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def _segmenter(seed=0):
    """A small network of class scores for the 12 facade classes, its last module named
    "output" as compnn's own networks name their scores."""
    import collections

    torch.manual_seed(seed)
    return torch.nn.Sequential(collections.OrderedDict([
        ("down1", torch.nn.Conv2d(3, 8, 3, 2, 1)), ("act1", torch.nn.ReLU()),
        ("down2", torch.nn.Conv2d(8, 16, 3, 2, 1)), ("act2", torch.nn.ReLU()),
        ("up1", torch.nn.ConvTranspose2d(16, 8, 4, 2, 1)), ("act3", torch.nn.ReLU()),
        ("output", torch.nn.ConvTranspose2d(8, 12, 4, 2, 1)),
    ])).eval()


def test_evaluate_credibility_equals_compnn_eval_credibility(cli, facades, tmp_path):
    net = _segmenter()
    script = tmp_path / "seg.pt"
    torch.jit.script(net).save(str(script))
    data = compnn.Dataset(facades, "train")
    compnn.torch.index(net, data, ["up1"], tmp_path / "store", dtype="f32", output_kind="logits",
                       progress=False)
    table = compnn.torch.evaluate_credibility(net, tmp_path / "store", tmp_path / "py",
                                              facades, split="train", calibration_count=6,
                                              layers="up1", k=4, method="exact",
                                              output_kind="logits", progress=False)
    cli("eval", "--model", script, "--store", tmp_path / "store", "--data", facades, "--split",
        "train", "--credibility", "--calibration-count", 6, "--layer", "up1",
        "--credibility-k", 4, "--method", "exact", "--out", tmp_path / "cli")
    want = json.loads((tmp_path / "cli" / "credibility.json").read_text())
    got = json.loads((tmp_path / "py" / "credibility.json").read_text())
    names = [r["name"] for r in got["confidences"]]
    assert names == [r["name"] for r in want["confidences"]]
    assert "max softmax probability" in names  # the scores ("output") were read
    for g, w in zip(got["confidences"], want["confidences"]):
        assert g["auroc"] == pytest.approx(w["auroc"], abs=1e-6)
        np.testing.assert_allclose(g["risk"], w["risk"], atol=1e-6)
    assert got["network_error_rate"] == pytest.approx(want["network_error_rate"], abs=1e-9)
    assert got["calibration"] == want["calibration"]
    calibration = json.loads((tmp_path / "py" / "calibration.json").read_text())
    assert calibration["format"] == "compnn-calibration-1"
    assert calibration["nonconformity"] == pytest.approx(
        json.loads((tmp_path / "cli" / "calibration.json").read_text())["nonconformity"], abs=1e-6)
    # Pipeline calls leave no hook on the user's module.
    assert all(not m._forward_hooks for m in net.modules())
    assert (tmp_path / "py" / "risk-coverage.png").read_bytes()[:4] == b"\x89PNG"
    assert "<table>" in table._repr_html_() and "data:image/png;base64," in table._repr_html_()


def test_credibility_reads_the_output_as_scores_without_an_output_module(facades, tmp_path):
    import collections

    net = _segmenter()
    renamed = torch.nn.Sequential(collections.OrderedDict(
        (("last" if name == "output" else name), module) for name, module in net.named_children()))
    compnn.torch.index(renamed, compnn.Dataset(facades, "train"), ["up1"], tmp_path / "store",
                       output_kind="logits", progress=False)
    table = compnn.torch.evaluate_credibility(renamed, tmp_path / "store", tmp_path / "out",
                                              facades, split="train", calibration_count=6,
                                              layers="up1", k=2, progress=False)
    names = [row["name"] for row in table.record["confidences"]]
    assert "max softmax probability" in names  # the network's output, read as scores
    assert all(not m._forward_hooks for m in renamed.modules())


def test_sanity_check_changes_what_a_randomised_module_reaches(facades, tmp_path):
    net = _segmenter()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    compnn.torch.index(net, compnn.Dataset(facades, "train"), ["down2", "up1"],
                       tmp_path / "store", output_kind="logits", progress=False)
    table = compnn.torch.sanity_check(net, tmp_path / "store", tmp_path / "out", facades,
                                      layer="up1", split="val", count=2, topk_images=4,
                                      progress=False)
    steps = table.record["steps"]
    # From the output down: the trained network, then output, act3, up1, act2, down2, ...
    assert [s["randomised"] for s in steps] == [
        "", "output", "act3", "up1", "act2", "down2", "act1", "down1"]
    trained, output_only = steps[0], steps[1]
    assert trained["changed_matches"] == 0 and trained["changed_network"] == 0
    # Randomising the head after up1 leaves up1's maps, hence the matches, as they were, while
    # the network's own output changes.
    assert output_only["changed_matches"] == 0 and output_only["changed_network"] > 0
    assert steps[3]["changed_matches"] > 0  # up1 itself randomised
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())  # net untouched
    saved = json.loads((tmp_path / "out" / "sanity.json").read_text())
    assert saved == table.record
    assert (tmp_path / "out" / "sanity.png").read_bytes()[:4] == b"\x89PNG"
    assert "<table>" in table._repr_html_()
