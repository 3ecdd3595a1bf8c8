"""compnn.FeatureStore and compnn.StoreWriter: zero-copy views, the command line's view of the
same store, searches from several threads, and errors."""

import json
import os

import numpy as np
import pytest

import compnn


def write_store(path, rng, n=6, dtype="f16", pixels=False):
    """A store of random maps: layer "coarse" (4 x 4 x 8, stride 8) and "fine" (8 x 8 x 6,
    stride 4) of 32 x 32 inputs; the global descriptor is "coarse"."""
    maps = {
        "coarse": rng.standard_normal((n, 4, 4, 8)).astype(np.float32),
        "fine": rng.standard_normal((n, 8, 8, 6)).astype(np.float32),
    }
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    kept = ("inputs", "targets") if pixels else ()
    with compnn.StoreWriter(path, 32, "coarse", dtype=dtype, pixels=kept) as writer:
        for i in range(n):
            extra = {"inputs": images[i], "targets": images[i][::-1].copy()} if pixels else {}
            writer.append(f"im{i}", {k: v[i] for k, v in maps.items()}, **extra)
    return maps, images


def test_layer_views_are_the_memory_mapped_files(tmp_path, rng):
    maps, _ = write_store(tmp_path / "s", rng, dtype="f16")
    store = compnn.FeatureStore(tmp_path / "s")
    assert store.layers == ["coarse", "fine"]
    assert store.images == [f"im{i}" for i in range(6)]
    view = store.layer("fine")
    assert view.dtype == np.float16  # float16 layers stay float16
    assert not view.flags.writeable and not view.flags.owndata
    # Two views share the one mapping: no copies.
    assert np.shares_memory(view, store.layer("fine"))
    reference = np.load(tmp_path / "s" / "fine.npy", mmap_mode="r")
    np.testing.assert_array_equal(view, reference)
    np.testing.assert_array_equal(view, maps["fine"].astype(np.float16))
    # The view outlives the store object that made it.
    del store
    assert float(np.abs(view.astype(np.float32)).sum()) > 0
    with pytest.raises(ValueError, match="read-only"):
        view[0, 0, 0, 0] = 1


def test_python_written_store_passes_the_command_line_verify(cli, tmp_path, rng):
    maps, images = write_store(tmp_path / "s", rng, dtype="f32", pixels=True)
    cli("verify", tmp_path / "s")
    store = compnn.FeatureStore(tmp_path / "s")
    np.testing.assert_array_equal(store.global_descriptors, maps["coarse"].reshape(6, -1))
    np.testing.assert_array_equal(store.inputs, images)
    assert store.layer_info("fine").stride == 4
    # Corrupt one byte: verify names the file.
    path = tmp_path / "s" / "targets.npy"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="targets.npy: checksum mismatch"):
        compnn.FeatureStore(tmp_path / "s").verify()
    assert cli("verify", tmp_path / "s", check=False).returncode == 2


def test_store_search_equals_match_on_the_layer(tmp_path, rng):
    write_store(tmp_path / "s", rng, dtype="f32")
    store = compnn.FeatureStore(tmp_path / "s")
    query = rng.standard_normal((8, 8, 6)).astype(np.float32)
    found = store.search("fine", query, np.ones(128, np.float32), method="exact", topk_images=0)
    nnf, similarity = compnn.match(query, store.layer("fine"), method="exact")
    np.testing.assert_array_equal(found.nnf, nnf)
    np.testing.assert_array_equal(found.similarity, similarity)
    restricted = store.search("fine", query, np.ones(128, np.float32), method="exact",
                              topk_images=0, images=["im2", "im4"])
    assert set(np.unique(restricted.nnf[..., 0])) <= {2, 4}
    # More matches searched: the first match of a search that keeps them all.
    wide = store.search("fine", query, np.ones(128, np.float32), topk_images=0, k=3, seed=2)
    best = store.search("fine", query, np.ones(128, np.float32), topk_images=0, search_matches=3,
                        seed=2)
    np.testing.assert_array_equal(best.nnf, wide.nnf[:, :, 0])
    np.testing.assert_array_equal(best.similarity, wide.similarity[:, :, 0])


def test_results_are_named_tuples_and_options_keyword_only(tmp_path, rng):
    write_store(tmp_path / "s", rng, dtype="f32")
    store = compnn.FeatureStore(tmp_path / "s")
    query = rng.standard_normal((8, 8, 6)).astype(np.float32)
    result = store.search("fine", query, np.ones(128, np.float32), method="exact", topk_images=0)
    assert isinstance(result, compnn.SearchResult)
    assert result._fields == ("nnf", "similarity", "candidates")
    nnf, similarity, candidates = result
    assert nnf is result.nnf and candidates == list(range(6))
    assert result.searched_by == "exact"
    info = store.layer_info("fine")
    assert isinstance(info, compnn.LayerInfo)
    assert info == ("fine", (6, 8, 8, 6), 4, (2, 2), "float32", info.file)
    assert info["stride"] == info.stride == info[2]  # read by key too, as the dict it replaced
    with pytest.raises(KeyError):
        info["strides"]
    with pytest.raises(TypeError, match="positional"):
        store.search("fine", query, np.ones(128, np.float32), "exact")
    with pytest.raises(TypeError, match="positional"):
        compnn.StoreWriter(tmp_path / "t", 32, "fine", "f32")
    with pytest.raises(ValueError, match="seed: must be"):
        store.search("fine", query, np.ones(128, np.float32), seed=-1)


def test_concurrent_searches_equal_serial_ones(tmp_path, rng, concurrently):
    write_store(tmp_path / "s", rng, n=12)
    store = compnn.FeatureStore(tmp_path / "s")
    queries = [(rng.standard_normal((8, 8, 6)).astype(np.float32),
                rng.standard_normal(128).astype(np.float32)) for _ in range(8)]

    def search(i):
        q, g = queries[i]
        return store.search("fine", q, g, method="hpm", topk_images=5, seed=i, threads=1)

    serial = [search(i) for i in range(len(queries))]
    results = concurrently(search, len(queries))
    for got, want in zip(results, serial):
        np.testing.assert_array_equal(got.nnf, want.nnf)
        np.testing.assert_array_equal(got.similarity, want.similarity)
        assert got.candidates == want.candidates


def test_store_errors(tmp_path, rng):
    with pytest.raises(FileNotFoundError, match="no such feature store"):
        compnn.FeatureStore(tmp_path / "missing")
    write_store(tmp_path / "s", rng)
    store = compnn.FeatureStore(tmp_path / "s")
    with pytest.raises(ValueError, match="layer 'nope' is not in .* \\(it has coarse, fine\\)"):
        store.layer("nope")
    with pytest.raises(ValueError, match="fine have 5 channels, but .* holds 6"):
        store.search("fine", np.ones((8, 8, 5), np.float32), np.ones(128, np.float32))
    with pytest.raises(ValueError, match="dtype int64"):
        store.search("fine", np.ones((8, 8, 6), np.int64), np.ones(128, np.float32))
    with pytest.raises(ValueError, match="global descriptor has 7 values, but .*global.npy holds"):
        store.search("fine", np.ones((8, 8, 6), np.float32), np.ones(7, np.float32))
    # A manifest that is not JSON: the message names the file.
    os.makedirs(tmp_path / "bad")
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    with pytest.raises(RuntimeError, match="manifest.json"):
        compnn.FeatureStore(tmp_path / "bad")


def test_writer_errors_and_atomicity(tmp_path, rng):
    with pytest.raises(FileExistsError):
        compnn.StoreWriter(tmp_path, 32, "a")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="file: not a folder"):
        compnn.StoreWriter(tmp_path / "file" / "s", 32, "a")
    writer = compnn.StoreWriter(tmp_path / "new" / "s", 32, "a")  # folders are made
    writer.append("x", {"a": np.ones((4, 4, 2), np.float32)})
    with pytest.raises(ValueError, match="shape differs from the first image's \\(4, 4, 2\\)"):
        writer.append("y", {"a": np.ones((4, 5, 2), np.float32)})
    with pytest.raises(ValueError, match="dtype int"):
        writer.append("z", {"a": np.ones((4, 4, 2), np.int32)})
    with pytest.raises(ValueError, match="appears twice"):
        writer.append("x", {"a": np.ones((4, 4, 2), np.float32)})
    with pytest.raises(ValueError, match="global_layer 'b'"):
        compnn.StoreWriter(tmp_path / "t", 32, "b").append("x", {"a": np.ones((4, 4, 2))
                                                                   .astype(np.float32)})
    # An exception inside the with block leaves no store and no partial folder.
    with pytest.raises(KeyError):
        with compnn.StoreWriter(tmp_path / "u", 32, "a") as w:
            w.append("x", {"a": np.ones((4, 4, 2), np.float32)})
            raise KeyError("interrupted")
    assert not (tmp_path / "u").exists() and not (tmp_path / "u.partial").exists()
    # Until commit, only the partial folder exists; commit renames it whole.
    assert (tmp_path / "new" / "s.partial").is_dir() and not (tmp_path / "new" / "s").exists()
    writer.commit()
    assert (tmp_path / "new" / "s").is_dir() and not (tmp_path / "new" / "s.partial").exists()
    manifest = json.loads((tmp_path / "new" / "s" / "manifest.json").read_text())
    assert manifest["images"] == ["x"]


def test_names_that_would_share_a_file_and_empty_restrictions(tmp_path, rng):
    # A layer named "global" would be stored in global.npy, the descriptors' file.
    with pytest.raises(RuntimeError, match="global.npy, which another array of the store uses"):
        compnn.StoreWriter(tmp_path / "v", 32, "global").append(
            "x", {"global": np.ones((4, 4, 2), np.float32)})
    assert not (tmp_path / "v").exists()
    write_store(tmp_path / "s", rng)
    store = compnn.FeatureStore(tmp_path / "s")
    with pytest.raises(ValueError, match="an empty list allows no image"):
        store.search("fine", np.ones((8, 8, 6), np.float32), np.ones(128, np.float32), images=[])
    # An unflattened global descriptor of the right size is accepted.
    query = rng.standard_normal((8, 8, 6)).astype(np.float32)
    flat = store.search("fine", query, np.ones(128, np.float32), seed=1)
    shaped = store.search("fine", query, np.ones((4, 4, 8), np.float32), seed=1)
    np.testing.assert_array_equal(flat.nnf, shaped.nnf)


def test_cell_index_serves_searches_over_every_image(tmp_path, rng, capfd):
    write_store(tmp_path / "s", rng, n=12, dtype="f32")
    store = compnn.FeatureStore(tmp_path / "s")
    query = rng.standard_normal((8, 8, 6)).astype(np.float32)
    descriptor = np.ones(128, np.float32)
    plain = store.search("fine", query, descriptor, method="exact", topk_images=0)
    assert plain.searched_by == "exact"
    store.build_cell_index("fine", lists=4, code_bytes=6, train_cells=1024, progress=False)
    assert "compnn cell index" not in capfd.readouterr().err
    built = store.build_cell_index("fine", lists=4, code_bytes=6, train_cells=1024)
    shown = capfd.readouterr().err
    assert "compnn cell index" in shown and "12/12" in shown  # every image added
    assert isinstance(built, compnn.CellIndexInfo)
    assert os.path.exists(built.file) and built.lists == 4 and built.code_bytes == 6
    # Every list probed and all 768 cells shortlisted: re-ranking is exact search.
    every = store.search("fine", query, descriptor, method="exact", topk_images=0,
                         index_probes=4, index_shortlist=768)
    assert every.searched_by.startswith("cell index IVF4,PQ6")
    np.testing.assert_array_equal(every.nnf, plain.nnf)
    np.testing.assert_allclose(every.similarity, plain.similarity, atol=1e-5)
    short = store.search("fine", query, descriptor, topk_images=0, index_shortlist=16)
    assert short.similarity.mean() >= 0.9 * plain.similarity.mean()
    assert (short.similarity <= plain.similarity + 1e-5).all()
    # Asked not to, or over a restricted database, the method searches.
    assert store.search("fine", query, descriptor, method="exact", topk_images=0,
                        use_cell_index=False).searched_by == "exact"
    assert store.search("fine", query, descriptor, method="exact", topk_images=0,
                        images=["im1", "im3"]).searched_by == "exact"
