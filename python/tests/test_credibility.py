"""compnn.credibility_map against a NumPy brute force: neighbours labelled by the store's
targets at the centre of each matched patch, their similarity-weighted disagreement summed over
the fields, and the conformal p-value against the calibration."""

import numpy as np
import pytest

import compnn

PALETTE = {"classes": [{"id": 0, "name": "road", "colour": [128, 64, 128]},
                       {"id": 1, "name": "sky", "colour": [70, 130, 180]},
                       {"id": 2, "name": "tree", "colour": [107, 142, 35]}],
           "ignore": {"name": "void", "colour": [0, 0, 0]}}
COLOURS = np.array([c["colour"] for c in PALETTE["classes"]] + [[0, 0, 0]], np.uint8)


def label_store(path, rng, n=5):
    """A store of random maps ("fine": 8 x 8 x 6, stride 4 of 32 x 32 inputs) whose label targets
    are random classes 0-2 and void; returns the targets' class ids, void as 255."""
    targets = rng.integers(0, 4, (n, 32, 32))
    with compnn.StoreWriter(path, 32, "fine", pixels=("inputs", "targets"), labels=("targets",),
                            palette=PALETTE) as writer:
        for i in range(n):
            writer.append(f"im{i}", {"fine": rng.standard_normal((8, 8, 6)).astype(np.float32)},
                          inputs=rng.integers(0, 256, (32, 32, 3), dtype=np.uint8),
                          targets=COLOURS[targets[i]])
    return np.where(targets == 3, 255, targets)


def reference(fields, target_classes, classes, kept, count):
    alpha = np.zeros(classes.shape)
    for nnf, similarity, stride in fields:
        for r in range(classes.shape[0]):
            for c in range(classes.shape[1]):
                cy = min(r // stride, nnf.shape[0] - 1)
                cx = min(c // stride, nnf.shape[1] - 1)
                against = total = 0.0
                for (image, y, x), w in zip(nnf[cy, cx], similarity[cy, cx]):
                    label = target_classes[image, y * stride + stride // 2, x * stride + stride // 2]
                    w = max(0.0, float(w))
                    if label == 255 or w <= 0:
                        continue
                    total += w
                    against += w if label != classes[r, c] else 0.0
                alpha[r, c] += against / total if total > 0 else 1.0
    alpha = alpha.astype(np.float32)
    share = (kept[None, None, :] >= alpha[..., None]).mean(axis=-1)
    credibility = (1 + share * count) / (1 + count)
    return np.where(classes == 255, np.nan, credibility)


def test_credibility_map_equals_a_numpy_brute_force(tmp_path, rng):
    target_classes = label_store(tmp_path / "s", rng)
    store = compnn.FeatureStore(tmp_path / "s")
    k = 3
    fields = []
    for _ in range(2):  # two layers' fields, their disagreements summed
        nnf = np.stack([rng.integers(0, 5, (8, 8, k)), rng.integers(0, 8, (8, 8, k)),
                        rng.integers(0, 8, (8, 8, k))], axis=-1).astype(np.int32)
        similarity = rng.uniform(-0.2, 1.0, (8, 8, k)).astype(np.float32)
        fields.append((nnf, similarity, 4))
    classes = rng.integers(0, 4, (32, 32)).astype(np.uint8)
    classes[classes == 3] = 255
    kept = np.sort(rng.uniform(0, 2, 50).astype(np.float32))
    calibration = {"format": "compnn-calibration-1", "layers": ["fine", "fine"], "k": k,
                   "nonconformity": kept.tolist(), "pixels": 400}
    got = compnn.credibility_map(store, fields, classes, calibration)
    want = reference(fields, target_classes, classes, kept, 400)
    assert got.dtype == np.float32 and got.shape == (32, 32)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert np.isnan(got[classes == 255]).all()


def test_bad_calibrations_and_fields_are_value_errors(tmp_path, rng):
    label_store(tmp_path / "s", rng)
    store = compnn.FeatureStore(tmp_path / "s")
    field = (np.zeros((8, 8, 1, 3), np.int32), np.ones((8, 8, 1), np.float32), 4)
    classes = np.zeros((32, 32), np.uint8)
    good = {"format": "compnn-calibration-1", "layers": ["fine"], "nonconformity": [0.0, 0.5],
            "pixels": 2}
    with pytest.raises(ValueError, match="not a compnn calibration"):
        compnn.credibility_map(store, [field], classes, {"format": "other"})
    with pytest.raises(ValueError, match="calibration used 1 layers"):
        compnn.credibility_map(store, [field, field], classes, good)
    with pytest.raises(ValueError, match="ascending"):
        compnn.credibility_map(store, [field], classes, dict(good, nonconformity=[0.5, 0.0]))
    bad = (np.full((8, 8, 1, 3), 9, np.int32), field[1], 4)
    with pytest.raises(ValueError, match="image 9 is not in"):
        compnn.credibility_map(store, [bad], classes, good)
