"""The reference step for ``make bench``: the straightforward loop of TensorFlow's style transfer
tutorial (a ``tf.function`` over a Keras model's outputs, float32), written without the course's
helpers, so that every timed step can be compared with it."""

from __future__ import annotations

import time
from typing import Any


def bench_images(size: int) -> tuple[Any, Any]:
    from nst_helpers.core.images import load_image

    return load_image("chelsea", size, upscale=True), load_image("swirls", size, upscale=True)


def reference_times(
    architecture: str, size: int, steps: int, max_seconds: float, images: tuple | None = None
) -> list[float]:
    """Step times of the straightforward loop: tf.function over a Keras model's outputs, float32,
    on ``images`` (photo, painting; default: ``bench_images(size)``).

    Written without the course's helpers: the classifier's own preprocess_input, the Gram matrix
    with einsum, losses as in TensorFlow's tutorial (sum-based total variation, weights 1e-2, 1e4, 30).
    """
    import keras
    import tensorflow as tf

    from nst_helpers.core.architectures import get_architecture

    arch = get_architecture(architecture)
    preprocess_input = getattr(
        keras.applications, arch.name
    ).preprocess_input  # keras.applications.vgg19 etc.
    base = getattr(keras.applications, arch.keras_constructor)(include_top=False, weights=None)
    base.trainable = False
    names = list(arch.style_layers) + list(arch.content_layers)
    model = keras.Model(base.input, [base.get_layer(name).output for name in names])
    n_style = len(arch.style_layers)

    def gram(x: tf.Tensor) -> tf.Tensor:
        positions = tf.cast(tf.shape(x)[1] * tf.shape(x)[2], tf.float32)
        return tf.linalg.einsum("bijc,bijd->bcd", x, x) / positions

    def outputs(image: tf.Tensor) -> tuple[list, list]:
        features = model(preprocess_input(image * 255.0))
        return [gram(f) for f in features[:n_style]], features[n_style:]

    content, style = (tf.constant(x) for x in images or bench_images(size))
    style_targets, _ = outputs(style)
    _, content_targets = outputs(content)
    image = tf.Variable(content)
    optimizer = keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99, epsilon=1e-1)

    @tf.function
    def train_step(image: tf.Variable) -> tf.Tensor:
        with tf.GradientTape() as tape:
            grams, feats = outputs(image)
            style_loss = (
                tf.add_n([tf.reduce_mean((g - t) ** 2) for g, t in zip(grams, style_targets)])
                / n_style
            )
            content_loss = tf.add_n(
                [tf.reduce_mean((f - t) ** 2) for f, t in zip(feats, content_targets)]
            )
            loss = (
                1e-2 * style_loss
                + 1e4 * content_loss
                + 30 * tf.reduce_sum(tf.image.total_variation(image))
            )
        optimizer.apply_gradients([(tape.gradient(loss, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return loss

    times: list[float] = []
    start_all = time.perf_counter()
    for _ in range(steps):
        start = time.perf_counter()
        float(train_step(image))
        times.append(time.perf_counter() - start)
        if len(times) > 1 and time.perf_counter() - start_all > max_seconds:
            break
    return times
