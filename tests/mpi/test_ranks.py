"""compnn under mpirun: exact search across ranks is bit-identical to one process.

Each test runs the same command as one plain process (the reference) and under
`mpirun --oversubscribe -np R` for every R in COMPNN_MPI_RANKS (default "1,2,3"), and compares
the output files byte for byte. The databases give uneven shards (7 images over 2 and 3 ranks),
more ranks than images, and an image repeated across a shard boundary, whose ties must go to the
lower index as in one process.
"""

import json
import os
import subprocess

import numpy as np
import pytest

CLI = os.path.abspath(os.environ.get("COMPNN_CLI", "build/bin/compnn"))
MPIRUN = os.environ.get("COMPNN_MPIRUN", "mpirun")
RANKS = [int(r) for r in os.environ.get("COMPNN_MPI_RANKS", "1,2,3").split(",")]

# What CI needs as root, and the shared-memory transport (no network on a test machine).
MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_btl": "self,vader",
    "OMPI_MCA_rmaps_base_oversubscribe": "1",
}


def plain_env():
    return {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMIX_", "PMI_"))}


def run_plain(args):
    return subprocess.run([CLI, *args], env=plain_env(), capture_output=True, text=True, timeout=300)


def run_ranks(ranks, args):
    env = {**plain_env(), **MPI_ENV}
    return subprocess.run([MPIRUN, "--oversubscribe", "-np", str(ranks), CLI, *args], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def arrays(tmp_path_factory):
    folder = tmp_path_factory.mktemp("arrays")
    rng = np.random.default_rng(7)
    query = rng.standard_normal((13, 11, 24)).astype(np.float32)
    database = rng.standard_normal((7, 9, 12, 24)).astype(np.float32)
    # Image 4 repeats image 2: a cell matching one matches the other equally. Over 2 ranks
    # (0-3 | 4-6) and 3 ranks (0-2 | 3-4 | 5-6) the two sit in different shards.
    database[4] = database[2]
    # A query patch cut from image 2, so that some best matches are certainly that tie.
    query[3:8, 2:9] = database[2, 1:6, 3:10]
    np.save(folder / "q.npy", query)
    np.save(folder / "db.npy", database)
    np.save(folder / "two.npy", database[:2].copy())
    np.save(folder / "qg.npy", rng.standard_normal(16).astype(np.float32))
    np.save(folder / "dbg.npy", rng.standard_normal((7, 16)).astype(np.float32))
    return folder


def match_args(folder, *extra):
    return ["match", "--query", str(folder / "q.npy"), "--database", str(folder / "db.npy"),
            *extra]


def run_both(ranks, args, folder):
    """Runs `args` as one plain process into folder/one and under mpirun into folder/ranks."""
    one = run_plain([*args, "--out", str(folder / "one")])
    assert one.returncode == 0, one.stderr
    several = run_ranks(ranks, [*args, "--out", str(folder / "ranks")])
    assert several.returncode == 0, several.stderr
    return several


def expect_same_trees(expected, got):
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], name


def expect_same_outputs(reference, got):
    for name in ("nnf.npy", "similarity.npy"):
        assert (reference / name).read_bytes() == (got / name).read_bytes(), name


@pytest.mark.parametrize("ranks", RANKS)
@pytest.mark.parametrize("extra", [
    ["--method", "exact"],
    ["--method", "exact", "--k", "3", "--hyperpatch", "3", "2"],
    ["--method", "exact", "--image-indices", "6,1,2,4"],
    ["--method", "exact", "--topk-images", "5", "--query-global", "{folder}/qg.npy",
     "--database-global", "{folder}/dbg.npy"],
    ["--method", "hpm", "--seed", "3"],  # runs on rank 0 alone
], ids=["exact", "exact-k3", "images", "prefilter", "hpm"])
def test_match_is_bit_identical_at_any_rank_count(arrays, tmp_path, ranks, extra):
    extra = [e.replace("{folder}", str(arrays)) for e in extra]
    run_both(ranks, match_args(arrays, *extra), tmp_path)
    expect_same_outputs(tmp_path / "one", tmp_path / "ranks")
    summary = json.loads((tmp_path / "ranks" / "summary.json").read_text())
    if "exact" in extra and ranks > 1:
        assert summary["ranks"] == ranks
        shards = summary["shards"]
        assert [s["rank"] for s in shards] == list(range(ranks))
        sizes = [s["images"] for s in shards]
        assert max(sizes) - min(sizes) <= 1
        # Each rank sends one field: H x W x k matches of 16 bytes, as much as the output files.
        k = 3 if "3" in extra else 1
        assert summary["bytes_sent_per_rank"] == 13 * 11 * k * 16
    nnf = np.load(tmp_path / "ranks" / "nnf.npy")
    if extra == ["--method", "exact"]:
        # The cut-out cells' best match is the copy in image 2 (as good as image 4's: the tie
        # goes to the lower index, whichever rank found each).
        assert (nnf[4:7, 3:8, 0] == 2).all()


@pytest.mark.parametrize("ranks", [r for r in RANKS if r > 2])
def test_more_ranks_than_images(arrays, tmp_path, ranks):
    args = ["match", "--query", str(arrays / "q.npy"), "--database", str(arrays / "two.npy"),
            "--method", "exact", "--k", "2"]
    run_both(ranks, args, tmp_path)
    expect_same_outputs(tmp_path / "one", tmp_path / "ranks")


@pytest.mark.parametrize("ranks", [r for r in RANKS if r > 1])
def test_refusals_under_mpirun(arrays, tmp_path, ranks):
    # A command that runs as one process is refused, once, by rank 0.
    refused = run_ranks(ranks, ["verify", str(tmp_path)])
    assert refused.returncode != 0
    lines = [l for l in refused.stderr.splitlines() if l.startswith("compnn:")]
    assert lines == ["compnn: error: compnn verify runs as one process; under mpirun only these "
                     "commands run across ranks: index, match, explain, eval (run it without mpirun)"]
    # A bad option: one line from rank 0.
    bad = run_ranks(ranks, match_args(arrays, "--out", str(tmp_path / "x"), "--k", "0"))
    assert bad.returncode != 0
    lines = [l for l in bad.stderr.splitlines() if l.startswith("compnn:")]
    assert len(lines) == 1 and "--k" in lines[0], bad.stderr
    # A bad input found while running: each rank names itself; nothing is written.
    # (The two images hold 216 cells: rank 0 finds it out after the merge.)
    bad = run_ranks(ranks, ["match", "--query", str(arrays / "q.npy"), "--database",
                            str(arrays / "two.npy"), "--out", str(tmp_path / "y"), "--method",
                            "exact", "--k", "256"])
    assert bad.returncode != 0
    assert f"compnn: error (rank 0 of {ranks}): --k must not exceed" in bad.stderr, bad.stderr
    assert not (tmp_path / "y" / "nnf.npy").exists()


# ---------------------------------------------------------------------------------------------
# compnn eval: the queries spread over the ranks, the totals gathered on rank 0.

TIMINGS = {"seconds", "seconds_per_query", "exact_seconds", "hpm_seconds", "ranks"}


def without_timings(value):
    """table.json with every timing (and the rank count) left out."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def must_run(args, cwd):
    done = subprocess.run([CLI, *args], cwd=cwd, env=plain_env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"{args}: {done.stderr}"


@pytest.fixture(scope="module")
def model_and_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    # 5 val queries: uneven runs over 2 (3 + 2) and 3 ranks (2 + 2 + 1).
    must_run(["data", "facades", "--out", "facades", "--size", "32", "--train", "12", "--val",
              "5", "--test", "1", "--seed", "2"], root)
    must_run(["train", "--arch", "pix2pix", "--data", "facades", "--size", "32", "--ngf", "4",
              "--epochs", "1", "--batch", "2", "--threads", "1", "--out", "model"], root)
    must_run(["index", "--model", "model", "--data", "facades", "--out", "store"], root)
    return root


@pytest.mark.parametrize("ranks", RANKS)
@pytest.mark.parametrize("method", ["hpm", "exact"])
def test_eval_table_equals_one_process(model_and_store, tmp_path, ranks, method):
    root = model_and_store
    args = ["eval", "--model", str(root / "model"), "--store", str(root / "store"), "--split",
            "val", "--topk-images", "0,4", "--k", "1,2", "--method", method, "--quality-queries", "3",
            "--threads", "1"]
    run_both(ranks, args, tmp_path)
    expected = json.loads((tmp_path / "one" / "table.json").read_text())
    got = json.loads((tmp_path / "ranks" / "table.json").read_text())
    assert expected["queries"] == got["queries"] == 5
    assert got.get("ranks", 1) == ranks
    assert without_timings(got) == without_timings(expected)


# ---------------------------------------------------------------------------------------------
# compnn index: runs of whole batches written by each rank into the same files.


def tree_bytes(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("ranks", RANKS)
def test_index_is_byte_identical_at_any_rank_count(model_and_store, tmp_path, ranks):
    root = model_and_store
    # 12 images in batches of 5: runs of 2 + 1 batches over 2 ranks, 1 + 1 + 1 over 3 (the last
    # batch short), so each rank passes the very batches one process does.
    args = ["index", "--model", str(root / "model"), "--data", str(root / "facades"),
            "--batch", "5"]
    several = run_both(ranks, args, tmp_path)
    expect_same_trees(tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "ranks"))
    assert not (tmp_path / "ranks.partial").exists()
    # Rank 0 alone reports the store.
    assert several.stdout.count("wrote ") == 1, several.stdout
    verified = run_plain(["verify", str(tmp_path / "ranks")])
    assert verified.returncode == 0, verified.stderr


@pytest.mark.parametrize("ranks", [r for r in RANKS if r > 1])
def test_index_refuses_a_partial_store_of_another_rank_count(model_and_store, tmp_path, ranks):
    root = model_and_store
    # A partial store as one process leaves it when interrupted: its progress.json.
    partial = tmp_path / "store.partial"
    partial.mkdir()
    (partial / "progress.json").write_text("{}")
    several = run_ranks(ranks, ["index", "--model", str(root / "model"), "--data",
                                str(root / "facades"), "--out", str(tmp_path / "store")])
    assert several.returncode != 0
    assert "holds a run interrupted at 1 process; resume it without mpirun" in several.stderr
    assert (partial / "progress.json").exists()


# ---------------------------------------------------------------------------------------------
# compnn explain: exact search splits each query's database; other methods spread the queries.


def explanation_tree(folder):
    """Every file's bytes; summary.json files as JSON without timings and the rank count."""
    tree = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        if path.name == "summary.json":
            tree[name] = without_timings(json.loads(path.read_text()))
        else:
            tree[name] = path.read_bytes()
    return tree


@pytest.mark.parametrize("ranks", RANKS)
@pytest.mark.parametrize("method", ["exact", "hpm"])
def test_explain_writes_what_one_process_writes(model_and_store, tmp_path, ranks, method):
    root = model_and_store
    args = ["explain", "--model", str(root / "model"), "--store", str(root / "store"),
            "--query-split", "val", "--method", method, "--k", "2", "--threads", "1", "--seed", "4"]
    run_both(ranks, args, tmp_path)
    got = explanation_tree(tmp_path / "ranks")
    expect_same_trees(explanation_tree(tmp_path / "one"), got)
    assert len([n for n in got if n.endswith("nnf.npy")]) == 5
    if method == "exact" and ranks > 1:
        first = sorted(n for n in got if n.endswith("/summary.json"))[0]
        assert json.loads((tmp_path / "ranks" / first).read_text())["ranks"] == ranks


@pytest.mark.parametrize("ranks", [r for r in RANKS if r > 1])
def test_explain_page_needs_exact_search_under_mpirun(model_and_store, tmp_path, ranks):
    root = model_and_store
    refused = run_ranks(ranks, ["explain", "--model", str(root / "model"), "--store",
                                str(root / "store"), "--query-split", "val", "--html", "--out",
                                str(tmp_path / "x")])
    assert refused.returncode != 0
    assert "an explorer page under several ranks needs exact search" in refused.stderr
