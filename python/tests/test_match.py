"""compnn.match against the compnn match command on the same arrays, and against a brute-force
numpy search."""

import json

import numpy as np
import pytest
import torch

import compnn


def cli_match(cli, tmp_path, query, database, *flags, query_global=None, database_global=None):
    np.save(tmp_path / "q.npy", query)
    np.save(tmp_path / "db.npy", database)
    # The same thread count on both sides: exact similarities may differ in the last bit between
    # thread counts (the dense products are split differently).
    args = ["match", "--query", tmp_path / "q.npy", "--database", tmp_path / "db.npy", "--out",
            tmp_path / "out", "--threads", 2, *flags]
    if query_global is not None:
        np.save(tmp_path / "qg.npy", query_global)
        np.save(tmp_path / "dbg.npy", database_global)
        args += ["--query-global", tmp_path / "qg.npy", "--database-global", tmp_path / "dbg.npy"]
    cli(*args)
    return np.load(tmp_path / "out" / "nnf.npy"), np.load(tmp_path / "out" / "similarity.npy")


def maps(rng, n=6, h=7, w=9, d=12):
    return (rng.standard_normal((h, w, d)).astype(np.float32),
            rng.standard_normal((n, h + 1, w - 2, d)).astype(np.float32))


@pytest.mark.parametrize(
    "kwargs,flags",
    [
        ({"method": "exact"}, ["--method", "exact"]),
        ({"method": "exact", "hyperpatch": (3, 1)}, ["--method", "exact", "--hyperpatch", 3, 1]),
        ({"method": "exact", "k": 3}, ["--method", "exact", "--k", 3]),
        ({"method": "hpm", "k": 3, "seed": 4}, ["--method", "hpm", "--k", 3, "--seed", 4]),
        ({"method": "projected", "k": 20}, ["--method", "projected", "--k", 20]),
        ({"method": "exact", "image_indices": [4, 1]},
         ["--method", "exact", "--image-indices", "4,1"]),
        ({"method": "hpm", "seed": 7, "iterations": 5},
         ["--method", "hpm", "--seed", 7, "--iterations", 5]),
        ({"method": "projected", "seed": 3}, ["--method", "projected", "--seed", 3]),
        ({"method": "hpm", "search_matches": 3, "seed": 2},
         ["--method", "hpm", "--search-matches", 3, "--seed", 2]),
    ],
)
def test_match_equals_the_command(cli, tmp_path, rng, kwargs, flags):
    query, database = maps(rng)
    nnf, similarity = compnn.match(query, database, threads=2, **kwargs)
    want_nnf, want_similarity = cli_match(cli, tmp_path, query, database, *flags)
    np.testing.assert_array_equal(nnf, want_nnf)
    np.testing.assert_array_equal(similarity, want_similarity)


def test_defaults_are_the_commands(cli, tmp_path, rng):
    # No method given: HyperPatch-Match, 2 x 2, 32 iterations, seed 0, as compnn match.
    query, database = maps(rng)
    result = compnn.match(query, database, threads=2)
    want_nnf, want_similarity = cli_match(cli, tmp_path, query, database)
    np.testing.assert_array_equal(result.nnf, want_nnf)
    np.testing.assert_array_equal(result.similarity, want_similarity)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["method"] == "hpm"


def test_the_result_is_a_named_tuple_and_options_are_keyword_only(rng):
    query, database = maps(rng)
    result = compnn.match(query, database, method="exact")
    assert isinstance(result, compnn.MatchResult) and result._fields == ("nnf", "similarity")
    nnf, similarity = result
    assert nnf is result.nnf and similarity is result.similarity
    assert nnf.dtype == np.int32 and similarity.dtype == np.float32
    with pytest.raises(TypeError, match="positional"):
        compnn.match(query, database, "exact")


def test_global_prefilter_equals_the_command(cli, tmp_path, rng):
    query, database = maps(rng, n=8)
    qg = rng.standard_normal(20).astype(np.float32)
    dbg = rng.standard_normal((8, 20)).astype(np.float32)
    nnf, similarity = compnn.match(query, database, method="hpm", topk_images=3, query_global=qg,
                                   database_global=dbg, seed=2, threads=2)
    want = cli_match(cli, tmp_path, query, database, "--topk-images", 3, "--seed", 2,
                     query_global=qg, database_global=dbg)
    np.testing.assert_array_equal(nnf, want[0])
    np.testing.assert_array_equal(similarity, want[1])
    # Only the 3 images of the nearest descriptors are used.
    nearest = np.argsort(-(dbg @ qg) / np.linalg.norm(dbg, axis=1))[:3]
    assert set(np.unique(nnf[..., 0])) <= set(nearest.tolist())


def test_float16_database_equals_the_command(cli, tmp_path, rng):
    query, database = maps(rng)
    database = database.astype(np.float16)
    nnf, similarity = compnn.match(query, database, method="exact", threads=2)
    want_nnf, want_similarity = cli_match(cli, tmp_path, query, database, "--method", "exact")
    np.testing.assert_array_equal(nnf, want_nnf)
    np.testing.assert_array_equal(similarity, want_similarity)


def test_more_matches_searched_return_the_best_of_them(rng):
    query, database = maps(rng)
    nnf3, similarity3 = compnn.match(query, database, method="hpm", k=3, seed=5, iterations=4)
    nnf, similarity = compnn.match(query, database, method="hpm", search_matches=3, seed=5,
                                   iterations=4)
    np.testing.assert_array_equal(nnf, nnf3[:, :, 0])
    np.testing.assert_array_equal(similarity, similarity3[:, :, 0])


def test_one_by_one_hyperpatch_equals_numpy_brute_force(rng):
    query, database = maps(rng, n=4, h=5, w=6, d=8)
    nnf, similarity = compnn.match(query, database, method="exact", hyperpatch=(1, 1))
    q = query.reshape(-1, 8).astype(np.float64)
    db = database.reshape(-1, 8).astype(np.float64)
    cosine = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (
        db / np.linalg.norm(db, axis=1, keepdims=True)).T
    best = cosine.argmax(axis=1)
    n, h, w, _ = database.shape
    want = np.stack(np.unravel_index(best, (n, h, w)), axis=1).reshape(5, 6, 3)
    np.testing.assert_array_equal(nnf, want)
    np.testing.assert_allclose(similarity, cosine.max(axis=1).reshape(5, 6), atol=1e-5)


def test_channels_first_tensors_and_dlpack_give_the_same_result(rng):
    query, database = maps(rng)
    want = compnn.match(query, database, method="exact")
    q_chw = torch.from_numpy(query).permute(2, 0, 1)  # a strided view: converted
    db_nchw = torch.from_numpy(database).permute(0, 3, 1, 2).contiguous()
    got = compnn.match(q_chw, db_nchw, method="exact", channels_first=True)
    np.testing.assert_array_equal(got[0], want[0])
    got = compnn.match(torch.from_numpy(query).unsqueeze(0), torch.from_numpy(database),
                       method="exact")
    np.testing.assert_array_equal(got[0], want[0])

    class DLPackOnly:
        def __init__(self, t):
            self.t = t

        def __dlpack__(self, stream=None):
            return self.t.__dlpack__()

        def __dlpack_device__(self):
            return self.t.__dlpack_device__()

    got = compnn.match(DLPackOnly(torch.from_numpy(query)), memoryview(database), method="exact")
    np.testing.assert_array_equal(got[0], want[0])


@pytest.mark.parametrize(
    "query,database,kwargs,message",
    [
        (np.zeros((4, 4, 3)), np.zeros((2, 4, 4, 3), np.float32), {}, "dtype float64"),
        (np.zeros((4, 4, 3), np.float32), np.zeros((2, 4, 4, 3), np.int32), {}, "dtype int32"),
        (np.zeros((4, 4), np.float32), np.zeros((2, 4, 4, 3), np.float32), {}, "is not one map"),
        (np.zeros((2, 4, 4, 3), np.float32), np.zeros((2, 4, 4, 3), np.float32), {},
         "is not one map"),
        (np.ones((4, 4, 3), np.float32), np.ones((4, 4, 3), np.float32), {},
         "not a database"),
        (np.ones((4, 4, 3), np.float32), np.ones((2, 4, 4, 5), np.float32), {}, "depth"),
        (np.ones((4, 4, 3), np.float32), np.ones((2, 4, 4, 3), np.float32), {"images": [2]},
         "unknown image index 2"),
        (np.ones((4, 4, 3), np.float32), np.ones((2, 4, 4, 3), np.float32), {"method": "fast"},
         'method: must be one of "hpm", "exact", "projected", got "fast"'),
        (np.ones((4, 4, 3), np.float32), np.ones((2, 4, 4, 3), np.float32), {"topk_images": 1},
         "needs query_global"),
        (np.ones((4, 4, 3), np.float32), np.ones((2, 4, 4, 3), np.float32),
         {"method": "hpm", "k": 0}, "k: must be"),
        (np.ones((4, 4, 3), np.float32), np.ones((2, 4, 4, 3), np.float32),
         {"method": "hpm", "search_matches": 0}, "search_matches: must be"),
        ("not an array", np.ones((2, 4, 4, 3), np.float32), {}, "is not"),
        (np.ones((4, 4, 3), np.float32), np.ones((2, 4, 4, 3), np.float32), {"seed": -1},
         "seed: must be"),
        (np.ones((4, 4, 3), np.float32), np.ones((2, 4, 4, 3), np.float32),
         {"hyperpatch": (1, 2, 3)}, "hyperpatch: \\(1, 2, 3\\) is not"),
    ],
)
def test_bad_arguments_raise_value_errors(query, database, kwargs, message):
    with pytest.raises(ValueError, match=message):
        compnn.match(query, database, **kwargs)


def test_non_finite_query_is_refused(rng):
    query, database = maps(rng)
    query[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN|finite"):
        compnn.match(query, database, method="exact")


def test_equal_dtypes_that_are_other_objects_are_accepted(rng):
    import pickle

    query, database = maps(rng)
    want = compnn.match(query, database, method="exact")
    # Pickling (multiprocessing, joblib) gives equal dtypes that are not the same object.
    got = compnn.match(pickle.loads(pickle.dumps(query)), pickle.loads(pickle.dumps(database)),
                       method="exact")
    np.testing.assert_array_equal(got[0], want[0])
    # A big-endian database is refused, not misread.
    with pytest.raises(ValueError, match="dtype >f4 is not supported"):
        compnn.match(query, database.astype(">f4"), method="exact")


def test_an_empty_image_list_is_not_all_images(rng):
    query, database = maps(rng)
    with pytest.raises(ValueError, match="an empty list allows no image"):
        compnn.match(query, database, image_indices=[])


def test_images_is_the_old_name_of_image_indices(rng):
    query, database = maps(rng)
    with pytest.warns(DeprecationWarning, match="old name of image_indices"):
        old = compnn.match(query, database, method="exact", images=[2, 0])
    new = compnn.match(query, database, method="exact", image_indices=[2, 0])
    np.testing.assert_array_equal(old.nnf, new.nnf)
    assert set(np.unique(new.nnf[..., 0])) <= {0, 2}
    with pytest.raises(ValueError, match="not also images"):
        compnn.match(query, database, images=[1], image_indices=[1])
