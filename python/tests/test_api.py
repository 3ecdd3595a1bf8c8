"""The public signatures: data arguments positional, every option keyword-only, type hints on
every parameter, and the defaults of the command line (read from its --help)."""

import inspect
import re

import pytest

import compnn
import compnn.explanation
import compnn.torch

# Each public callable, and the parameters it takes by position: the data, nothing else.
POSITIONAL = {
    compnn.match: ["query", "database"],
    compnn.credibility_map: ["store", "fields", "classes", "calibration"],
    compnn.write_explorer: ["path", "explanations"],
    compnn.Dataset: ["path", "split"],
    compnn.Dataset.pixels: ["self", "index"],
    compnn.FeatureStore: ["path"],
    compnn.FeatureStore.search: ["self", "layer", "query_map", "query_global"],
    compnn.FeatureStore.build_cell_index: ["self", "layer"],
    compnn.FeatureStore.layer_info: ["self", "name"],
    compnn.StoreWriter: ["path", "input_size", "global_layer"],
    compnn.StoreWriter.append: ["self", "name", "maps"],
    compnn.Explanation.save: ["self", "dir"],
    compnn.explanation.output_pixels: ["output", "model_record", "palette"],
    compnn.explanation.prediction_pixels: ["output", "model_record", "palette", "labels"],
    compnn.explanation.from_search: ["store", "layer", "result"],
    compnn.torch.index: ["model", "images", "layers", "out"],
    compnn.torch.explain: ["model", "store", "query"],
    compnn.torch.layers: ["model", "example"],
}


@pytest.mark.parametrize("function", POSITIONAL, ids=lambda f: f.__qualname__)
def test_options_are_keyword_only_and_typed(function):
    signature = inspect.signature(function)
    positional = [name for name, p in signature.parameters.items()
                  if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == POSITIONAL[function]
    assert all(p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          inspect.Parameter.KEYWORD_ONLY)
               for p in signature.parameters.values())
    untyped = [name for name, p in signature.parameters.items()
               if name != "self" and p.annotation is inspect.Parameter.empty]
    assert untyped == []
    if function.__name__ != "__init__" and not inspect.isclass(function):
        assert signature.return_annotation is not inspect.Signature.empty


def cli_defaults(cli, command):
    """{option: default} from `compnn COMMAND --help`: "--iterations INT=32" gives
    {"--iterations": "32"}."""
    defaults = {}
    for line in cli(command, "--help").stdout.splitlines():
        found = re.match(r"^  (--[\w-]+)(?:,--[\w-]+)* "
                         r"(?:[A-Z]+(?::[A-Z]+ in \[[^\]]*\])?|[^\s=]+)=(\S+)", line)
        if found:
            defaults[found.group(1)] = found.group(2)
    return defaults


def python_default(function, name):
    return inspect.signature(function).parameters[name].default


def same(cli_value, python_value):
    if isinstance(python_value, tuple):  # --hyperpatch INT=[2,2] x 2
        return [int(v) for v in cli_value.strip("[]").split(",")] == list(python_value)
    return type(python_value)(cli_value) == python_value


# compnn COMMAND's option -> (Python callable, its parameter); the command's options that Python
# does not take (--min-improved, --components, --count, --highlight, ...) are not listed.
CLI_TO_PYTHON = {
    "match": {
        "--method": [(compnn.match, "method")],
        "--hyperpatch": [(compnn.match, "hyperpatch")],
        "--k": [(compnn.match, "k")],
        "--iterations": [(compnn.match, "iterations")],
        "--search-matches": [(compnn.match, "search_matches")],
        "--seed": [(compnn.match, "seed")],
        "--threads": [(compnn.match, "threads")],
    },
    "explain": {
        option: [(compnn.FeatureStore.search, name), (compnn.torch.explain, name)]
        for option, name in (("--method", "method"), ("--topk-images", "topk_images"),
                             ("--index-probes", "index_probes"),
                             ("--index-shortlist", "index_shortlist"),
                             ("--index-propagation", "index_propagation"),
                             ("--iterations", "iterations"),
                             ("--search-matches", "search_matches"), ("--seed", "seed"),
                             ("--threads", "threads"), ("--k", "k"))
    } | {"--vote-power": [(compnn.torch.explain, "vote_power")]},
    "cell-index": {
        option: [(compnn.FeatureStore.build_cell_index, name)]
        for option, name in (("--lists", "lists"), ("--code-bytes", "code_bytes"),
                             ("--train-cells", "train_cells"), ("--seed", "seed"),
                             ("--threads", "threads"))
    },
    "index": {
        "--split": [(compnn.Dataset, "split")],
        "--direction": [(compnn.Dataset, "direction")],
        "--input-range": [(compnn.Dataset, "input_range")],
        "--batch": [(compnn.torch.index, "batch_size")],
        "--dtype": [(compnn.torch.index, "dtype"), (compnn.StoreWriter, "dtype")],
    },
}


@pytest.mark.parametrize("command", CLI_TO_PYTHON)
def test_defaults_are_the_command_lines(cli, command):
    defaults = cli_defaults(cli, command)
    for option, targets in CLI_TO_PYTHON[command].items():
        assert option in defaults, f"compnn {command} --help shows no default for {option}"
        for function, name in targets:
            value = python_default(function, name)
            assert same(defaults[option], value), (
                f"{function.__qualname__}({name}={value!r}), but compnn {command} {option} "
                f"defaults to {defaults[option]}"
            )
    # The cell index is used unless asked not to (--no-cell-index), and whole hyperpatches are
    # pasted only with --overlap.
    assert python_default(compnn.FeatureStore.search, "use_cell_index") is True
    assert python_default(compnn.torch.explain, "use_cell_index") is True
    assert python_default(compnn.torch.explain, "overlapping_blocks") is False
    # Without a prefilter compnn match searches every image; the store's searches use 16.
    assert python_default(compnn.match, "topk_images") == 0
