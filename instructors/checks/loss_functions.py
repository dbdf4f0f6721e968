"""Assignment 03: the content loss, the Gram matrix, the style loss and total variation.

Each check builds its own inputs with the package's reference functions, so that a wrong answer
loses the points of its own question only.
"""

from __future__ import annotations

from instructors.checks import check

NOTEBOOK = "03_loss_functions"
GRADING = {"STYLE": "swirls", "MAX_DIM": 64, "ARCHITECTURE": "vgg16", "WEIGHTS": "offline-vgg16"}
"""The lesson's parameters while grading (and in the notebook tests): small, offline, shipped images."""


@check(
    "content_loss", failure="content_loss(features, target) is the MEAN of the squared differences."
)
def content_loss_is_a_mean(content_loss):
    import numpy as np
    import tensorflow as tf

    assert content_loss is not None, "content_loss is not defined: run the cell that defines it"
    zeros, twos = tf.zeros((1, 4, 5, 3)), tf.fill((1, 4, 5, 3), 2.0)
    value = content_loss(zeros, twos)
    assert value is not None, "content_loss returned None: write its body in place of the ..."
    value = np.asarray(value, dtype="float64")
    assert value.shape == (), (
        f"it returned shape {value.shape}: reduce over every axis to one number"
    )
    assert float(content_loss(twos, twos)) == 0.0, "the loss of a feature map with itself must be 0"
    hints = {
        240.0: ": that is a sum, divide by H*W*C (tf.reduce_mean)",
        2.0: ": square the differences",
    }
    assert np.isclose(value, 4.0), (
        f"between all-zero and all-two maps of shape (1, 4, 5, 3) it returned {float(value):g}, not 4"
        + next((h for v, h in hints.items() if np.isclose(value, v)), "")
    )


@check(
    "content_loss", hidden=True, failure="content_loss differs from the course's on random maps."
)
def content_loss_matches_the_course(content_loss):
    import numpy as np

    from nst_helpers.core import losses

    rng = np.random.default_rng(3)
    for shape in [(1, 7, 9, 16), (1, 3, 11, 5)]:
        a, b = rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype("float32")
        expected = float(losses.content_loss(a, b))
        assert np.isclose(float(content_loss(a, b)), expected, rtol=1e-4), f"shape {shape}"


@check(
    "gram_matrix",
    failure="gram_matrix((1, H, W, C)) returns a (1, C, C) tensor: channels against channels.",
)
def gram_matrix_has_one_row_per_channel(gram_matrix):
    import numpy as np
    import tensorflow as tf

    assert gram_matrix is not None, "gram_matrix is not defined: run the cell that defines it"
    features = tf.random.stateless_uniform((1, 4, 5, 3), seed=(0, 1))
    gram = gram_matrix(features)
    assert gram is not None, "gram_matrix returned None: write its body in place of the ..."
    shape = tuple(np.shape(gram))
    assert shape != (1, 20, 20), (
        "it returned (1, 20, 20) = (1, HW, HW) for H*W = 20 positions and C = 3 channels: the "
        "product is transposed (F F^T instead of F^T F: transpose_a=True)"
    )
    assert shape == (1, 3, 3), f"it returned shape {shape} for features (1, 4, 5, 3), not (1, 3, 3)"
    assert tf.is_tensor(gram), (
        f"it returned a {type(gram).__name__}: return a TensorFlow tensor (tf.matmul, tf.einsum), "
        "as the notebook's next cells use it as one"
    )


@check("gram_matrix", failure="The Gram matrix is averaged over the H*W positions.")
def gram_matrix_is_averaged_over_positions(gram_matrix):
    import numpy as np
    import tensorflow as tf

    gram = gram_matrix(tf.ones((1, 8, 8, 2)))
    assert gram is not None, "gram_matrix returned None: write its body in place of the ..."
    assert np.shape(gram) == (1, 2, 2), "its shape is wrong: see the check above"
    gram = np.asarray(gram)
    assert np.allclose(gram, 1.0), (
        f"for all-one features of 8 x 8 positions every entry should be 1, it is {gram.flat[0]:g}"
        + (": divide the sum by H*W = 64" if np.isclose(gram.flat[0], 64) else "")
    )


@check(
    "gram_matrix", failure="Each entry (c, d) is the mean over positions of F[..., c] * F[..., d]."
)
def gram_matrix_pairs_channels_at_each_position(gram_matrix):
    import numpy as np
    import tensorflow as tf

    features = tf.random.stateless_normal((1, 3, 4, 5), seed=(2, 3))
    gram = gram_matrix(features)
    assert gram is not None, "gram_matrix returned None: write its body in place of the ..."
    assert np.shape(gram) == (1, 5, 5), "its shape is wrong: see the first check"
    f = features.numpy()
    expected = np.einsum("bhwc,bhwd->bcd", f, f) / 12
    mixed = f.reshape(1, 5, 12)  # a reshape to (C, HW) is not a transpose: it mixes positions
    assert not np.allclose(gram, mixed @ mixed.transpose(0, 2, 1) / 12, atol=1e-4), (
        "positions and channels are mixed up: reshape to (1, H*W, C), one row per position, and "
        "multiply its transpose by it; a reshape to (1, C, H*W) is not a transpose"
    )
    assert np.allclose(gram, expected, rtol=1e-4, atol=1e-5), (
        "on random features of shape (1, 3, 4, 5) the entries differ from F^T F / (H W)"
    )


@check(
    "gram_matrix",
    hidden=True,
    failure="gram_matrix differs from the course's: random maps, shuffled positions or a tiled image.",
)
def gram_matrix_matches_the_course_and_ignores_positions(gram_matrix):
    import numpy as np

    from nst_helpers.core import losses

    rng = np.random.default_rng(4)
    features = rng.normal(size=(1, 6, 7, 5)).astype("float32")
    expected = np.asarray(losses.gram_matrix(features))
    assert np.allclose(gram_matrix(features), expected, rtol=1e-4, atol=1e-5), "random maps"
    flat = features.reshape(42, 5)[rng.permutation(42)].reshape(1, 6, 7, 5)
    assert np.allclose(gram_matrix(flat), expected, rtol=1e-4, atol=1e-5), "positions shuffled"
    tiled = np.tile(features, (1, 2, 3, 1))  # the same texture over an image 6 times larger
    assert np.allclose(gram_matrix(tiled), expected, rtol=1e-4, atol=1e-5), "size-independent"


@check("style_loss", failure="style_loss adds each layer's mean squared Gram difference.")
def style_loss_is_zero_for_the_targets_and_averages_layers(style_loss):
    import numpy as np

    assert style_loss is not None, "style_loss is not defined: run the cell that defines it"
    rng = np.random.default_rng(5)
    grams = {n: rng.normal(size=(1, 4, 4)).astype("float32") for n in ("a", "b")}
    targets = {n: rng.normal(size=(1, 4, 4)).astype("float32") for n in ("a", "b")}
    value = style_loss(grams, targets)
    assert value is not None, "style_loss returned None: write its body in place of the ..."
    assert float(style_loss(targets, targets)) == 0.0, (
        "the loss of the targets themselves must be 0"
    )
    terms = [np.mean((grams[n] - targets[n]) ** 2) for n in ("a", "b")]
    assert np.isclose(float(value), np.mean(terms), rtol=1e-4), (
        f"with no layer_weights, each of the 2 layers weighs 1/2: expected {np.mean(terms):.4f}, "
        f"got {float(value):.4f}"
    )


@check("style_loss", failure="Each layer's term is multiplied by its weight in layer_weights.")
def style_loss_uses_the_layer_weights(style_loss):
    import numpy as np

    rng = np.random.default_rng(6)
    grams = {n: rng.normal(size=(1, 4, 4)).astype("float32") for n in ("a", "b")}
    targets = {n: rng.normal(size=(1, 4, 4)).astype("float32") for n in ("a", "b")}
    only_a = np.mean((grams["a"] - targets["a"]) ** 2)
    value = style_loss(grams, targets, {"a": 1.0, "b": 0.0})
    assert value is not None, "style_loss returned None: write its body in place of the ..."
    value = float(value)
    assert np.isclose(value, only_a, rtol=1e-4), (
        f"with layer_weights {{'a': 1, 'b': 0}} the loss is layer a's term alone, {only_a:.4f}; got "
        f"{value:.4f}: the weights were ignored or applied to the wrong layers"
    )


@check("style_loss", hidden=True, failure="style_loss differs from the course's on random layers.")
def style_loss_matches_the_course(style_loss):
    import numpy as np

    from nst_helpers.core import losses

    rng = np.random.default_rng(7)
    names = ("x", "y", "z")
    grams = {n: rng.normal(size=(1, 6, 6)).astype("float32") for n in names}
    targets = {n: rng.normal(size=(1, 6, 6)).astype("float32") for n in names}
    weights = {n: float(w) for n, w in zip(names, rng.random(3))}
    for chosen in (None, weights):
        expected = float(losses.style_loss(grams, targets, chosen))
        assert np.isclose(float(style_loss(grams, targets, chosen)), expected, rtol=1e-4), chosen


@check(
    "total_variation_loss",
    failure="Total variation: mean |difference| across, plus mean |difference| down.",
)
def total_variation_sees_both_directions(total_variation_loss):
    import numpy as np
    import tensorflow as tf

    assert total_variation_loss is not None, "total_variation_loss is not defined: run its cell"
    value = total_variation_loss(tf.fill((1, 8, 8, 3), 0.5))
    assert value is not None, (
        "total_variation_loss returned None: write its body in place of the ..."
    )
    assert float(value) == 0.0, "a flat image has no variation: its loss must be 0"
    stripes = np.zeros((1, 8, 8, 3), "float32")
    stripes[:, ::2] = 0.5  # rows alternate: every pixel differs by 0.5 from the one below it
    down = float(total_variation_loss(tf.constant(stripes)))
    across = float(total_variation_loss(tf.constant(stripes.transpose(0, 2, 1, 3))))
    assert down > 0 and across > 0, (
        f"horizontal stripes give {down:g} and vertical stripes {across:g}: one direction is missing "
        "(add the differences between vertical AND horizontal neighbours)"
    )
    hint = ": absolute differences, not squared" if np.isclose(down, 0.25) else ""
    assert np.isclose(down, 0.5) and np.isclose(across, 0.5), (
        f"stripes of 0 and 0.5 should give 0.5 (each direction's mean |difference|, added); got "
        f"{down:g} and {across:g}{hint}"
    )


@check(
    "total_variation_loss",
    hidden=True,
    failure="total_variation_loss differs from the course's on random images.",
)
def total_variation_matches_the_course(total_variation_loss):
    import numpy as np
    import tensorflow as tf

    from nst_helpers.core import losses

    rng = np.random.default_rng(8)
    for shape in [(1, 9, 13, 3), (1, 20, 6, 3)]:
        image = rng.random(shape).astype("float32")
        expected = float(losses.total_variation_loss(image))
        value = float(total_variation_loss(tf.constant(image)))
        assert np.isclose(value, expected, rtol=1e-4), f"shape {shape}: {value:g} vs {expected:g}"
