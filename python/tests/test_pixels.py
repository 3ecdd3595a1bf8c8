"""The images of a network's tensors (compnn explain's rules, bound from C++), against numpy
references written here."""

import numpy as np
import pytest
import torch

import compnn.explanation as explanation
from compnn.dataset import prepare_pixels

PALETTE = {"classes": [{"id": 0, "name": "a", "colour": [255, 0, 0]},
                       {"id": 1, "name": "b", "colour": [0, 255, 0]},
                       {"id": 2, "name": "c", "colour": [0, 0, 255]}],
           "ignore": None}
IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


@pytest.fixture
def rgb():
    return np.random.default_rng(3).integers(0, 256, (5, 7, 3), dtype=np.uint8)


@pytest.mark.parametrize("scaling", [{}, {"input_range": "0,1"}, IMAGENET])
def test_prepared_pixels_are_the_float32_steps_of_training(rgb, scaling):
    x = rgb.astype(np.float32).transpose(2, 0, 1) / np.float32(127.5) - np.float32(1)
    if "mean" in scaling:
        mean = np.asarray(scaling["mean"], np.float32).reshape(3, 1, 1)
        std = np.asarray(scaling["std"], np.float32).reshape(3, 1, 1)
        x = ((x + np.float32(1)) / np.float32(2) - mean) / std
    elif scaling:
        x = (x + np.float32(1)) / np.float32(2)
    got = prepare_pixels(rgb, scaling.get("input_range", "-1,1"), scaling.get("mean"),
                         scaling.get("std"))
    assert got.dtype == np.float32 and got.shape == (3, 5, 7)
    np.testing.assert_array_equal(got, x)
    # The query's pixels come back from the network's input.
    record = {k: v for k, v in scaling.items()}
    back = explanation._input_pixels(torch.from_numpy(got), record)
    np.testing.assert_array_equal(back, rgb)


def test_image_outputs_are_read_in_the_input_range(rgb):
    y = torch.from_numpy(np.random.default_rng(4).uniform(-1.2, 1.2, (3, 5, 7)).astype(np.float32))
    want = np.clip(np.round((y.numpy() + 1) * 127.5), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(explanation.output_pixels(y, {}, None), want)
    # A 0..1 network, and a normalised one, output images in 0..1 (as compnn explain reads
    # them): not de-normalised with the input's mean and std.
    half = torch.clamp(y, 0, 1)
    want01 = np.round(half.numpy() * 255).astype(np.uint8).transpose(1, 2, 0)
    for record in ({"input_range": "0,1"}, IMAGENET):
        np.testing.assert_array_equal(explanation.output_pixels(half, record, None), want01)


def test_class_scores_are_drawn_as_the_arg_max_class():
    scores = torch.from_numpy(np.random.default_rng(5).normal(size=(3, 4, 6)).astype(np.float32))
    colours = np.array([c["colour"] for c in PALETTE["classes"]], np.uint8)
    want = colours[scores.numpy().argmax(0)]
    # Three channels are an image unless the record or the call says class scores.
    assert not np.array_equal(explanation.output_pixels(scores, {}, PALETTE), want)
    np.testing.assert_array_equal(
        explanation.output_pixels(scores, {}, PALETTE, output_kind="logits"), want)
    logits = {"output_kind": "logits"}
    np.testing.assert_array_equal(explanation.output_pixels(scores, logits, PALETTE), want)
    # Stored as a prediction: the same colours, at the size asked for (nearest neighbour).
    kept = explanation.prediction_pixels(scores, logits, PALETTE, True, size=(8, 12))
    np.testing.assert_array_equal(kept, want.repeat(2, axis=0).repeat(2, axis=1))


def test_outputs_it_cannot_draw_are_refused():
    scores = torch.zeros(3, 2, 2)
    with pytest.raises(RuntimeError, match="no palette to draw the classes in"):
        explanation.output_pixels(scores, {}, None, output_kind="logits")
    with pytest.raises(RuntimeError, match="3 class scores per pixel, but the dataset has 2"):
        two = {"classes": PALETTE["classes"][:2], "ignore": None}
        explanation.output_pixels(scores, {}, two, output_kind="logits")
    with pytest.raises(RuntimeError, match="the output has 4 channels, not an RGB image"):
        explanation.output_pixels(torch.zeros(4, 2, 2), {}, None, output_kind="image")
    with pytest.raises(ValueError, match="output_kind: 'scores' is not one of"):
        explanation.output_pixels(scores, {}, None, output_kind="scores")
    with pytest.raises(ValueError, match=r"output: must be a \(C, H, W\) array"):
        explanation.output_pixels(torch.zeros(2, 2), {}, None)
