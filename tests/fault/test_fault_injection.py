"""Fault injection: SIGKILL at random moments, a full disk, and readers during a write.

Every command's outputs are compared with an uninterrupted run of the same command (byte for
byte, timings aside); nothing else compnn prints is taken as the truth. See docs/reliability.md.

Environment: COMPNN_CLI (the compnn binary), COMPNN_KILL_TRIALS (default 50, spread over the
commands in turn), COMPNN_FAULT_SEED (default 1).
"""

import dataclasses
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = os.path.abspath(os.environ.get("COMPNN_CLI", REPO / "build" / "bin" / "compnn"))
KILL_TRIALS = int(os.environ.get("COMPNN_KILL_TRIALS", "50"))
SEED = int(os.environ.get("COMPNN_FAULT_SEED", "1"))
# Per-file size limit of the full-disk runs: below every output file's size (the smallest, a
# 32 x 64 PNG pair, is about 3 KB), so the first real write fails with EFBIG.
FULL_DISK_BYTES = 256
# Timing fields: they measure the run, not its result (summary.json of explain, MODEL.log.jsonl).
TIMING_KEYS = {"seconds", "images_per_second"}

# Without COMPNN_CLI, a tree that has not built compnn skips; a COMPNN_CLI that is not there fails.
pytestmark = pytest.mark.skipif("COMPNN_CLI" not in os.environ and not os.access(CLI, os.X_OK),
                                reason=f"no compnn at {CLI}; set COMPNN_CLI")


# ---------------------------------------------------------------------------------------------
# Commands under test


@dataclasses.dataclass
class Job:
    name: str
    argv: list  # run in the job's own folder; outputs are relative to it
    outputs: list  # the final names the command writes
    overwrite: bool = False  # refuses an existing output unless --overwrite
    resume_file: str = ""  # train: rerun with --resume when this checkpoint exists
    stages: list = dataclasses.field(default_factory=list)  # argv of shorter, whole runs

    def rerun_argv(self, cwd):
        """What a user runs after the kill: the same command, resuming or replacing."""
        argv = list(self.argv)
        if self.resume_file and (cwd / self.resume_file).exists():
            argv.append("--resume")
        if self.overwrite and any(exists(cwd / o) for o in self.outputs):
            argv.append("--overwrite")
        return argv

    def replace_argv(self):
        """The command run again over a complete output, replacing it (train: from scratch)."""
        return self.argv + (["--overwrite"] if self.overwrite else [])


def make_jobs(inputs):
    size = ["--size", "32"]
    train = ["train", "--arch", "pix2pix", "--data", str(inputs / "facades"), *size, "--ngf", "4",
             "--batch", "2", "--train-images", "8", "--seed", "0", "--threads", "1", "--out",
             "model"]
    queries = [f"facade_{split}_000{i}" for split in ("val", "test") for i in (0, 1)]
    jobs = [
        Job("index", ["index", "--model", str(inputs / "model"), "--data",
                      str(inputs / "facades"), "--out", "store"], ["store"], overwrite=True),
        # 64 pixels and 32 pairs: a third of a second of writing after the start-up.
        Job("data-facades", ["data", "facades", "--size", "64", "--train", "32", "--val", "2",
                             "--test", "2", "--seed", "3", "--out", "dataset"], ["dataset"],
            overwrite=True),
        # Pairs drawn from compnn's generated facades, in CMP's own colours.
        Job("data-import", ["data", "import", "pix2pix", str(inputs / "pix2pix-src"), "--palette",
                            "cmp-facades", "--out", "imported"], ["imported"], overwrite=True),
        # Three epochs: a kill may leave an earlier epoch's files, which must then equal those of
        # a whole run of that many epochs (the model file keeps the best epoch's weights).
        Job("train", train + ["--epochs", "3"], ["model", "model.ckpt", "model.log.jsonl"],
            resume_file="model.ckpt",
            stages=[train + ["--epochs", str(k)] for k in (1, 2)]),
        Job("explain", ["explain", "--model", str(inputs / "model"), "--store",
                        str(inputs / "store"), *[a for q in queries for a in ("--query", q)],
                        "--html", "--threads", "1", "--seed", "0", "--out", "explained"],
            [f"explained/{q}" for q in queries] + ["explained/summary.json",
                                                   "explained/explorer.html"]),
        Job("match", ["match", "--query", str(inputs / "query.npy"), "--database",
                      str(inputs / "store" / "decoder2.npy"), "--seed", "0", "--threads", "1",
                      "--out", "matched"],
            ["matched/nnf.npy", "matched/similarity.npy", "matched/summary.json"]),
    ]
    return {job.name: job for job in jobs}


KILLED = ["index", "data-import", "data-facades", "train", "explain"]
WRITERS = KILLED + ["match"]


# ---------------------------------------------------------------------------------------------
# Running compnn


def compnn(argv, cwd, **kwargs):
    return subprocess.run([CLI, *argv], cwd=cwd, capture_output=True, text=True, **kwargs)


def must_run(argv, cwd):
    result = compnn(argv, cwd)
    assert result.returncode == 0, f"compnn {' '.join(argv)}: {result.returncode}\n{result.stderr}"
    return result


def timed(argv, cwd, check=False):
    start = time.monotonic()
    (must_run if check else compnn)(argv, cwd)
    return time.monotonic() - start


def run_killed(argv, cwd, delay):
    """Starts the command, SIGKILLs it after `delay` seconds; True if it finished first."""
    # Its own session, so the kill reaches it and whatever it started, and nothing else.
    proc = subprocess.Popen([CLI, *argv], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=delay)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False


def full_disk():
    """preexec_fn: writes past FULL_DISK_BYTES fail with EFBIG, as on a full disk."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (FULL_DISK_BYTES, FULL_DISK_BYTES))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def error_line_problems(result, names=()):
    """Why `result` is not exit 2 with one 'compnn: error:' line naming one of `names`."""
    lines = result.stderr.splitlines()
    problems = []
    if result.returncode != 2:
        problems.append(f"exit status {result.returncode}, not 2")
    if len(lines) != 1 or not lines[0].startswith("compnn: error: "):
        problems.append(f"stderr is not one 'compnn: error:' line: {result.stderr!r}")
    elif names and not any(name in lines[0] for name in names):
        problems.append(f"the error names none of {list(names)}: {lines[0]!r}")
    return problems


# ---------------------------------------------------------------------------------------------
# Comparing outputs


def exists(path):
    return os.path.lexists(path)


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def checkpoint_digest(path):
    """Digest of a train checkpoint's values, by parameter order rather than by file layout.

    LibTorch's Adam keys its saved state by tensor address ("0x55f8..."), so two identical runs
    write different bytes; the values, taken in the order of each group's parameter list, agree.
    """
    import torch  # only train needs it, and it is slow to import

    archive = torch.jit.load(str(path))
    digest = hashlib.sha256()

    def add(key, value):
        digest.update(key.encode())
        if isinstance(value, torch.Tensor):
            digest.update(f"{value.dtype}{tuple(value.shape)}".encode())
            digest.update(value.contiguous().numpy().tobytes())
        else:
            digest.update(repr(value).encode())

    add("fingerprint", archive._c.getattr("fingerprint"))
    add("epoch", archive._c.getattr("epoch"))
    for network in ("generator", "discriminator"):
        for key, value in getattr(archive, network).state_dict().items():
            add(f"{network}.{key}", value)
    for name in ("optimizer", "optimizer_d"):
        optimizer = archive._c.getattr(name)
        groups, state = optimizer.getattr("param_groups"), optimizer.getattr("state")
        for g in range(int(groups.getattr("param_groups/size").item())):
            group = groups.getattr(f"param_groups/{g}")
            options = group.getattr("options")
            for key in ("lr", "betas", "eps", "weight_decay", "amsgrad"):
                add(f"{name}.{g}.{key}", options.getattr(key))
            for i in range(int(group.getattr("params/size").item())):
                address = group.getattr(f"params/{i}")
                if state.hasattr(address):
                    for key in ("step", "exp_avg", "exp_avg_sq"):
                        add(f"{name}.{g}.{i}.{key}", state.getattr(address).getattr(key))
    return b"checkpoint " + digest.hexdigest().encode()


def file_content(path, semantic_checkpoint=True):
    """A file's bytes, less timing fields; unparseable JSON stays as raw bytes (and differs)."""
    raw = path.read_bytes()
    try:
        if path.name == "summary.json":
            return json.dumps(without_timings(json.loads(raw)), sort_keys=True).encode()
        if path.name.endswith(".log.jsonl"):
            lines = [without_timings(json.loads(line)) for line in raw.decode().splitlines()]
            return json.dumps(lines, sort_keys=True).encode()
        if path.name.endswith(".ckpt") and semantic_checkpoint:
            return checkpoint_digest(path)
    except Exception as error:  # a torn file: keep its bytes, say why
        return b"unreadable (" + str(error).encode() + b"): " + raw
    return raw


def snapshot(path, semantic_checkpoint=True):
    """{relative name: content} of a file or of every file under a folder (hidden ones too)."""
    path = Path(path)
    if not exists(path):
        return None
    if not path.is_dir():
        return {"": file_content(path, semantic_checkpoint)}
    found = {}
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            full = Path(root) / name
            if full.is_dir() and not full.is_symlink():
                continue
            found[str(full.relative_to(path))] = file_content(full, semantic_checkpoint)
    found.setdefault("", b"folder")  # an empty folder is not the same as no folder
    return found


def differences(got, want):
    """Readable differences between two snapshots (None: absent)."""
    if got is None or want is None:
        return ["absent" if got is None else "present, the reference has none"]
    problems = [f"{name}: missing" for name in sorted(want.keys() - got.keys())]
    problems += [f"{name}: not in the reference" for name in sorted(got.keys() - want.keys())]
    problems += [f"{name}: differs" for name in sorted(want.keys() & got.keys())
                 if got[name] != want[name]]
    return [p[2:] if p.startswith(": ") else p for p in problems]  # "" names the file itself


def snapshots(job, cwd, semantic_checkpoint=True):
    return {o: snapshot(cwd / o, semantic_checkpoint) for o in job.outputs}


def clear(folder):
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def leftovers(job, cwd):
    """Entries beside (or inside the parent of) the outputs that are not outputs, PIDs elided."""
    parents = {(cwd / o).parent for o in job.outputs}
    names = {o for o in job.outputs}
    found = set()
    for parent in parents:
        for entry in parent.iterdir() if parent.is_dir() else []:
            relative = str(entry.relative_to(cwd))
            if relative not in names and not any(n.startswith(relative + "/") for n in names):
                found.add(re.sub(r"\d{2,}", "N", relative))
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# Fixtures: inputs, and one uninterrupted run of each command


def write_pix2pix_source(facades, folder):
    """pix2pix's published layout: SRC/{train,val,test}/N.jpg, each an A|B pair."""
    from PIL import Image

    for split in ("train", "val", "test"):
        (folder / split).mkdir(parents=True)
        for i, png in enumerate(sorted((facades / split).glob("*.png")), 1):
            # 4:4:4 at quality 95: a small label image survives JPEG well enough to import.
            Image.open(png).convert("RGB").save(folder / split / f"{i}.jpg", quality=95,
                                                subsampling=0)


def write_query(path):
    import numpy as np

    # A decoder2-shaped map (16 x 16 x 8) of the tiny model, drawn independently of compnn.
    np.save(path, np.random.default_rng(SEED).random((16, 16, 8), dtype=np.float32))


@pytest.fixture(scope="session")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    # 16 training pairs: enough writing after LibTorch's start-up for kills to land in.
    must_run(["data", "facades", "--out", "facades", "--size", "32", "--train", "16", "--val",
              "2", "--test", "2"], root)
    must_run(["train", "--arch", "pix2pix", "--data", "facades", "--size", "32", "--ngf", "4",
              "--epochs", "2", "--batch", "2", "--threads", "1", "--out", "model"], root)
    must_run(["index", "--model", "model", "--data", "facades", "--out", "store"], root)
    must_run(["data", "facades", "--out", "facades64", "--size", "64", "--train", "24", "--val",
              "2", "--test", "2", "--seed", "1"], root)
    write_pix2pix_source(root / "facades64", root / "pix2pix-src")
    write_query(root / "query.npy")
    return root


@pytest.fixture(scope="session")
def jobs(inputs):
    return make_jobs(inputs)


@dataclasses.dataclass
class Reference:
    seconds: float  # wall time of the slower of two uninterrupted runs
    startup: float  # wall time of the same command refused at once (loading and parsing)
    final: dict  # output -> snapshot
    second: dict  # the same from a second uninterrupted run
    first_raw: dict  # the first run, checkpoint bytes as they are
    second_raw: dict  # the second run, checkpoint bytes as they are
    stages: list  # snapshots of the shorter whole runs (train's earlier epochs)
    folder: Path  # the first run's outputs, kept
    stage_folders: list  # the shorter runs' outputs, kept


class References:
    """Runs each command uninterrupted on first use, in the folder its trials use."""

    def __init__(self, jobs, root):
        self.jobs, self.root, self.cache = jobs, root, {}

    def workdir(self, name):
        return self.root / name

    def __getitem__(self, name):
        if name not in self.cache:
            self.cache[name] = self.make(self.jobs[name])
        return self.cache[name]

    def make(self, job):
        cwd = self.workdir(job.name)
        clear(cwd)
        startup = min(timed(job.argv + ["--no-such-option"], cwd) for _ in range(2))
        seconds = timed(job.argv, cwd, check=True)
        final, first_raw = snapshots(job, cwd), snapshots(job, cwd, semantic_checkpoint=False)
        kept = self.root / f"{job.name}.reference"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(cwd, kept, symlinks=True)
        clear(cwd)
        # The slower of the two runs bounds the kill delays: a load spike must not hide the end.
        seconds = max(seconds, timed(job.argv, cwd, check=True))
        second = snapshots(job, cwd)
        second_raw = snapshots(job, cwd, semantic_checkpoint=False)
        stages, stage_folders = [], []
        for k, argv in enumerate(job.stages, 1):
            stage_folders.append(self.root / f"{job.name}.stage{k}")
            clear(stage_folders[-1])
            must_run(argv, stage_folders[-1])
            stages.append(snapshots(job, stage_folders[-1]))
        clear(cwd)
        return Reference(seconds, startup, final, second, first_raw, second_raw, stages, kept,
                         stage_folders)


@pytest.fixture(scope="session")
def references(jobs, tmp_path_factory):
    return References(jobs, tmp_path_factory.mktemp("runs"))


# ---------------------------------------------------------------------------------------------
# 0. Two uninterrupted runs agree: otherwise no kill trial could be judged on that output.


@pytest.mark.parametrize("name", WRITERS)
def test_uninterrupted_runs_are_identical(references, name):
    """Byte for byte, except a training checkpoint: LibTorch keys Adam's saved state by tensor
    addresses, which differ from run to run; its values are compared instead."""
    reference = references[name]
    problems = []
    for output in reference.first_raw:
        for d in differences(reference.second_raw[output], reference.first_raw[output]):
            if d.endswith(".ckpt: differs") or d == "differs" and output.endswith(".ckpt"):
                if reference.second[output] == reference.final[output]:
                    continue  # the values agree
            problems.append(f"{output}: {d}")
    assert not problems, f"two uninterrupted runs of {name} differ (timings excluded): {problems}"


# ---------------------------------------------------------------------------------------------
# 1. Kill trials


def kill_trials():
    for i in range(KILL_TRIALS):
        yield pytest.param(i, KILLED[i % len(KILLED)], id=f"{i:03d}-{KILLED[i % len(KILLED)]}")


def state_after_kill(output, got, reference):
    """'absent', 'complete', 'earlier stage k', or None for a torn output."""
    if got is None:
        return "absent"
    if got == reference.final[output]:
        return "complete"
    for k, stage in enumerate(reference.stages, 1):
        if got == stage[output]:
            return f"stage {k}"
    return None


@pytest.mark.parametrize("trial,name", kill_trials())
def test_kill_then_rerun(jobs, references, tally, trial, name):
    job, reference = jobs[name], references[name]
    cwd = references.workdir(name)
    clear(cwd)
    # Delays in [0, reference time]; every other trial skips the start-up (loading LibTorch,
    # most of a tiny run), where a kill can only find nothing written.
    # Both times are noisy on a loaded machine: the floor stays below the reference's end.
    skip = trial % (2 * len(KILLED)) >= len(KILLED)
    floor = min(reference.startup, 0.8 * reference.seconds) if skip else 0.0
    delay = random.Random(f"{SEED}-{trial}").uniform(floor, reference.seconds)
    finished = run_killed(job.argv, cwd, delay)

    # (a) Each output is absent, complete, or an earlier whole stage (train's epochs).
    states, torn = {}, []
    for output in job.outputs:
        got = snapshot(cwd / output)
        states[output] = state_after_kill(output, got, reference)
        if states[output] is None:
            torn.append(f"{output}: {differences(got, reference.final[output])}")
    left = leftovers(job, cwd)

    # (b) Rerunning (resuming, or replacing a complete output) ends as the uninterrupted run.
    rerun = compnn(job.rerun_argv(cwd), cwd)
    after = snapshots(job, cwd)
    tally.append({"job": name, "finished": finished, "states": states, "leftovers": left,
                  "reference_s": reference.seconds, "startup_s": reference.startup})
    context = f"killed after {delay:.3f} s (finished first: {finished}), states {states}"
    assert not torn, f"torn output after the kill; {context}: {torn}"
    assert rerun.returncode == 0, (f"rerun {job.rerun_argv(cwd)} exited {rerun.returncode}; "
                                   f"{context}: {rerun.stderr}")
    problems = [f"{o}: {d}" for o in job.outputs for d in differences(after[o],
                                                                       reference.final[o])]
    assert not problems, f"rerun differs from the uninterrupted run; {context}: {problems}"


# Train writes the model, then the checkpoint, then the log, each file atomically; a kill can
# land between any two. Random delays rarely hit those instants, so each is built here from the
# whole runs of 1 and 2 epochs, and resumed.
BETWEEN_WRITES = {
    "after-epoch1-model": {"model": 1},
    "after-epoch2-model": {"model": 2, "model.ckpt": 1, "model.log.jsonl": 1},
    "after-epoch2-checkpoint": {"model": 2, "model.ckpt": 2, "model.log.jsonl": 1},
}


@pytest.mark.parametrize("moment", BETWEEN_WRITES)
def test_train_resumes_from_any_moment_between_writes(jobs, references, moment):
    job, reference = jobs["train"], references["train"]
    cwd = references.workdir("train")
    clear(cwd)
    for output, epochs in BETWEEN_WRITES[moment].items():
        shutil.copy2(reference.stage_folders[epochs - 1] / output, cwd / output)
    rerun = compnn(job.rerun_argv(cwd), cwd)
    assert rerun.returncode == 0, rerun.stderr
    problems = [f"{o}: {d}" for o in job.outputs
                for d in differences(snapshot(cwd / o), reference.final[o])]
    assert not problems, (f"train {job.rerun_argv(cwd)[-1]} from the files of a run killed "
                          f"{moment} differs from the uninterrupted run: {problems}")


# ---------------------------------------------------------------------------------------------
# 2. Full disk


def outputs_present(job, cwd):
    """Final names that exist; a container (explain's or match's OUT) may exist, empty."""
    present = [o for o in job.outputs if exists(cwd / o)]
    for container in {Path(o).parent for o in job.outputs} - {Path(".")}:
        if (cwd / container).is_dir():
            present += [f"{container}/{e.name}" for e in (cwd / container).iterdir()
                        if not e.name.startswith(".")]
    return sorted(set(present))


@pytest.mark.parametrize("name", WRITERS)
def test_full_disk_leaves_nothing(jobs, tmp_path, name):
    job = jobs[name]
    result = compnn(job.argv, tmp_path, preexec_fn=full_disk)
    names = [Path(o).parts[0] for o in job.outputs]
    problems = error_line_problems(result, names)
    present = outputs_present(job, tmp_path)
    if present:
        problems.append(f"left under the final names: {present}")
    assert not problems, f"compnn {' '.join(job.argv)} on a full disk: {problems}"


@pytest.mark.parametrize("name", WRITERS)
def test_full_disk_keeps_the_previous_output(jobs, references, tmp_path, name):
    job, reference = jobs[name], references[name]
    shutil.copytree(reference.folder, tmp_path, symlinks=True, dirs_exist_ok=True)
    result = compnn(job.replace_argv(), tmp_path, preexec_fn=full_disk)
    problems = error_line_problems(result, [Path(o).parts[0] for o in job.outputs])
    problems += [f"{o}: {d}" for o in job.outputs
                 for d in differences(snapshot(tmp_path / o), reference.final[o])]
    assert not problems, f"compnn {' '.join(job.replace_argv())} on a full disk: {problems}"


# ---------------------------------------------------------------------------------------------
# 3. compnn verify while compnn index writes the store


def inode(path):
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def verify_once(cwd, complete, counts, phase):
    """One verify; returns the problem it shows, if any. `complete`: the stores it may see."""
    before = inode(cwd / "store")
    result = compnn(["verify", "store"], cwd)
    after = inode(cwd / "store")
    if result.returncode == 2:
        message = re.sub(r"\b[0-9a-f]{16}\b|\d+", "N", result.stderr.strip())  # one per kind
        counts[f"{phase}, refused: {message}"] += 1
        problems = error_line_problems(result)
        return f"verify refused unclearly: {problems}" if problems else None
    if result.returncode != 0:
        counts[f"{phase}, crashed"] += 1
        return f"verify exited {result.returncode}: {result.stderr!r}"
    # It said good: the folder it read must have been one whole store. Only a folder that stayed
    # the same across the verify and the copy below can be judged.
    got = snapshot(cwd / "store")
    if before is None or not before == after == inode(cwd / "store"):
        counts[f"{phase}, good, store replaced meanwhile (not judged)"] += 1
        return None
    counts[f"{phase}, good, judged"] += 1
    if not any(got == store for store in complete):
        return f"verify said good but the store matches no whole store: {result.stdout!r}"
    return None


def test_verify_during_index_writes(jobs, references, tmp_path, verify_tally):
    job = jobs["index"]
    f16 = references["index"].final["store"]
    f32_dir = tmp_path / "f32"
    clear(f32_dir)
    must_run(job.argv + ["--dtype", "f32"], f32_dir)
    f32 = snapshot(f32_dir / "store")
    # A new store, then overwrites that alternate the two precisions, so a mix would show.
    writes = [job.argv] + [job.argv + ["--overwrite"] + (["--dtype", "f32"] if i % 2 == 0 else [])
                           for i in range(4)]
    cwd = tmp_path / "run"
    clear(cwd)
    exits, phase = [], ["new store"]

    def write_all():
        for i, argv in enumerate(writes):
            phase[0] = "new store" if i == 0 else "overwrite"
            exits.append(compnn(argv, cwd).returncode)

    writer = threading.Thread(target=write_all)
    writer.start()
    problems = []
    while writer.is_alive():
        problem = verify_once(cwd, (f16, f32), verify_tally, phase[0])
        if problem:
            problems.append(problem)
    writer.join()
    assert exits == [0] * len(writes), f"index exits: {exits}"
    assert snapshot(cwd / "store") == f16, "the last write's store differs from its reference"
    judged = sum(n for key, n in verify_tally.items() if key.endswith("good, judged"))
    assert judged > 0, f"no verify could be judged: {verify_tally}"
    assert not problems, f"{len(problems)} bad verifies, first: {problems[:3]}"
