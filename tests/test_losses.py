"""losses: Gram matrix properties and each loss term's behavior."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from nst_helpers.core.errors import NSTError
from nst_helpers.core.losses import (
    content_loss,
    gram_matrix,
    style_loss,
    total_loss,
    total_variation_loss,
)


@pytest.fixture
def features() -> tf.Tensor:
    return tf.constant(np.random.default_rng(0).normal(size=(1, 6, 7, 5)), tf.float32)


def test_gram_is_symmetric_and_positive_semidefinite(features):
    gram = gram_matrix(features)[0].numpy()
    assert gram.shape == (5, 5)
    np.testing.assert_allclose(gram, gram.T, atol=1e-6)
    assert np.linalg.eigvalsh(gram).min() > -1e-5


def test_gram_is_averaged_over_positions(features):
    flat = features.numpy().reshape(-1, 5)
    np.testing.assert_allclose(
        gram_matrix(features)[0].numpy(), flat.T @ flat / flat.shape[0], rtol=1e-5
    )


def test_gram_ignores_spatial_arrangement(features):
    flat = features.numpy().reshape(-1, 5)
    shuffled = flat[np.random.default_rng(1).permutation(len(flat))].reshape(features.shape)
    np.testing.assert_allclose(
        gram_matrix(features).numpy(), gram_matrix(tf.constant(shuffled)).numpy(), rtol=1e-5
    )
    # ...whereas the content loss sees the arrangement
    assert content_loss(features, tf.constant(shuffled)).numpy() > 0.1


def test_losses_are_zero_on_identical_inputs(features):
    assert content_loss(features, features).numpy() == 0.0
    grams = {"a": gram_matrix(features)}
    assert style_loss(grams, grams).numpy() == 0.0
    flat = tf.fill((1, 8, 8, 3), 0.3)
    assert total_variation_loss(flat).numpy() == 0.0


def test_total_variation_is_high_for_noise():
    ramp = np.linspace(0, 1, 32, dtype=np.float32)[None, None, :, None]
    smooth = tf.constant(np.broadcast_to(ramp, (1, 32, 32, 3)))
    noise = tf.constant(np.random.default_rng(0).random((1, 32, 32, 3)), tf.float32)
    assert total_variation_loss(smooth).numpy() == pytest.approx(1 / 31, rel=1e-4)  # across only
    assert total_variation_loss(noise) > 10 * total_variation_loss(smooth)


def test_style_layer_weights(features):
    other = features * 2.0
    grams, targets = (
        {"a": gram_matrix(other), "b": gram_matrix(other)},
        {"a": gram_matrix(features), "b": gram_matrix(features)},
    )
    one = style_loss({"a": grams["a"]}, {"a": targets["a"]}, {"a": 1.0}).numpy()
    assert style_loss(grams, targets).numpy() == pytest.approx(one, rel=1e-5)  # default: 1/2 each
    assert style_loss(grams, targets, {"a": 3.0, "b": 0.0}).numpy() == pytest.approx(
        3 * one, rel=1e-5
    )
    with pytest.raises(NSTError, match="unknown layers"):
        style_loss(grams, targets, {"c": 1.0})


def test_total_loss_combines_the_weighted_terms(features):
    image = tf.constant(np.random.default_rng(2).random((1, 12, 14, 3)), tf.float32)
    feats = {"c": features * 1.5, "s": features * 0.5}
    losses = total_loss(feats, image, {"c": features}, {"s": gram_matrix(features)}, 2.0, 3.0, 5.0)
    assert set(losses) == {"content", "style", "tv", "total", "style:s"}
    assert float(losses["style:s"]) == pytest.approx(float(losses["style"]))  # the one layer's term
    expected = 2.0 * losses["content"] + 3.0 * losses["style"] + 5.0 * losses["tv"]
    assert losses["total"].numpy() == pytest.approx(expected.numpy(), rel=1e-6)
    assert min(float(v) for v in losses.values()) > 0


def test_balanced_style_layers_each_take_a_share_and_equal_weights_drown_the_deep_ones():
    """chelsea against swirls with the offline VGG16 at 128 px, the photo as the image: with the
    "relative" balance every one of the five layers holds 10% to 35% of the style loss; with "equal"
    weights block5_conv1 holds under 0.1% of it."""
    from nst_helpers.core.images import load_image
    from nst_helpers.core.losses import balanced_layer_weights, style_terms
    from nst_helpers.core.prepare import prepare_run

    run = prepare_run(architecture="vgg16", weights="offline-vgg16", precision="float32")
    layers = run.settings.style_layers
    photo, painting = (
        run.extractor(load_image("chelsea", 128)),
        run.extractor(load_image("swirls", 128)),
    )
    targets = {name: gram_matrix(painting[name]) for name in layers}
    grams = {name: gram_matrix(photo[name]) for name in layers}
    shares = {}
    for balance in ("relative", "equal"):
        terms = style_terms(grams, targets, balanced_layer_weights(targets, balance))
        total = sum(float(t) for t in terms.values())
        shares[balance] = {name: float(t) / total for name, t in terms.items()}
    assert all(0.10 <= share <= 0.35 for share in shares["relative"].values()), shares["relative"]
    assert shares["equal"]["block5_conv1"] < 0.001, shares["equal"]


def test_style_layer_weights_check_their_inputs(features):
    from nst_helpers.core.losses import balanced_layer_weights

    targets = {"a": gram_matrix(features), "b": gram_matrix(2 * features)}
    equal = balanced_layer_weights(targets, "equal")
    relative = balanced_layer_weights(targets, "relative")
    assert equal == {"a": 0.5, "b": 0.5}
    assert relative["a"] == pytest.approx(
        16 * relative["b"], rel=1e-5
    )  # b's Gram is 4x, its square 16x
    with pytest.raises(NSTError, match="unknown style balance"):
        balanced_layer_weights(targets, "loudest")
    with pytest.raises(NSTError, match="unknown layers"):
        balanced_layer_weights(targets, "equal", {"c": 1.0})
