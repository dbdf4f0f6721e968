"""A softmax over channels before the losses: Wang, Li and Vasconcelos's fix for residual networks
(CVPR 2021), taught in notebook 06 and applied by ``stylize_with_controls`` when a run has a
``softmax_temperature``."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import tensorflow as tf


def smooth_features(features: tf.Tensor, temperature: float | tf.Tensor) -> tf.Tensor:
    """Wang, Li and Vasconcelos's fix for residual networks (CVPR 2021), taught in notebook 06: a
    softmax over the channels at each position, at ``temperature`` (in the features' own units),
    times the number of channels C, so that the mean activation is 1 and the loss weights keep
    their scale. Residual networks' activations are peaky (a few channels carry nearly
    everything); the softmax spreads them before the Gram and content losses.
    """
    features = tf.cast(features, tf.float32)
    channels = tf.cast(tf.shape(features)[-1], tf.float32)
    return tf.nn.softmax(features / temperature, axis=-1) * channels


def layer_temperatures(features: Mapping[str, tf.Tensor], temperature: float) -> dict[str, float]:
    """Each layer's softmax temperature: ``temperature`` times the standard deviation of its
    activations in ``features`` (the style image's), so that one number fits every layer and network
    (raw activations differ in scale by a factor of 100 between layers)."""
    return {
        name: temperature * max(float(tf.math.reduce_std(tf.cast(f, tf.float32))), 1e-6)
        for name, f in features.items()
    }


def smoothed_extractor(extractor: Any, style: tf.Tensor, temperature: float) -> Callable[..., Any]:
    """``extractor`` with every feature map smoothed at the layer's temperature (measured on the
    ``style`` image): what the loss sees instead of the raw features."""
    temperatures = layer_temperatures(extractor(style, training=False), temperature)

    def features(image: tf.Tensor, training: bool = False) -> dict[str, tf.Tensor]:
        raw = extractor(image, training=training)
        return {name: smooth_features(f, temperatures[name]) for name, f in raw.items()}

    return features
