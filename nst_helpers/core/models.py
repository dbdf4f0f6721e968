"""The frozen feature extractor (taught in notebook 04): [0, 1] RGB in, preprocessing built in, a
dict of exactly the requested layers out; nothing past the deepest of them is built or computed."""

from __future__ import annotations

import re
from typing import Any, Sequence

import keras

from nst_helpers.core.architectures import Architecture, get_architecture
from nst_helpers.core.errors import NSTError
from nst_helpers.core.precision import dtype_policy
from nst_helpers.core.preprocessing import preprocess
from nst_helpers.core.weights import (
    check_weights_fit,
    fetch_imagenet_weights,
    load_weights,
    normalize_weights,
)


def build_backbone(
    architecture: str | Architecture, weights: Any = "imagenet", policy: str = "float32"
) -> keras.Model:
    """The architecture's convolutional part (no classifier head), preprocessing built in, frozen
    (notebook 04). ``weights``: see ``core.weights`` (ImageNet's file is fetched here: Keras never
    downloads); ``policy``: a Keras dtype policy such as ``"mixed_bfloat16"`` (weights stay float32)."""
    arch = get_architecture(architecture)
    weights = normalize_weights(weights)
    check_weights_fit(arch.name, weights)
    keras_weights = str(fetch_imagenet_weights(arch.name)) if weights == "imagenet" else None
    with dtype_policy(policy):
        image = keras.Input(shape=(None, None, 3), name="image")
        network_input = preprocess(image, arch.preprocessing)
        constructor = getattr(keras.applications, arch.keras_constructor)
        backbone = constructor(include_top=False, weights=keras_weights, input_tensor=network_input)
    use_fresh_session_names(backbone)
    load_weights(backbone, arch.name, weights)
    backbone.trainable = False
    return backbone


def use_fresh_session_names(model: keras.Model) -> None:
    """Rename the layers Keras named by counting per session (``activation_97``) to their names in a
    fresh session (``activation_2``), so registry names always hold; ``mixed7`` and such are kept."""
    counts: dict[str, int] = {}
    for layer in model.layers:
        words = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", type(layer).__name__)  # MaxPooling2D ->
        prefix = re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()  # max_pooling2d, Keras' prefix
        if re.fullmatch(rf"{re.escape(prefix)}(_\d+)?", layer.name):
            index = counts.get(prefix, 0)
            counts[prefix] = index + 1
            layer.name = prefix if index == 0 else f"{prefix}_{index}"


def layer_names(model: keras.Model) -> list[str]:
    """Names of the layers with outputs one can extract (everything but the input)."""
    return [layer.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def build_extractor(
    architecture: str | Architecture = "vgg19",
    layers: Sequence[str] | None = None,
    weights: Any = "imagenet",
    backbone: keras.Model | None = None,
    policy: str = "float32",
) -> keras.Model:
    """A frozen model: [0, 1] RGB batch -> ``{layer_name: feature map}`` for exactly ``layers`` (default:
    content then style layers) (notebook 04); ``backbone`` reuses weights already loaded."""
    arch = get_architecture(architecture)
    if layers is None:
        layers = arch.content_layers + arch.style_layers
    layers = list(dict.fromkeys(layers))  # keep order, drop repeats
    if not layers:
        raise NSTError("no layers requested; name at least one layer")
    backbone = backbone if backbone is not None else build_backbone(arch, weights, policy)
    valid = layer_names(backbone)
    unknown = [name for name in layers if name not in valid]
    if unknown:
        raise NSTError(
            f"unknown layer(s) {', '.join(unknown)} for {arch.name}; valid layers: {', '.join(valid)}"
        )
    outputs = {name: backbone.get_layer(name).output for name in layers}
    extractor = keras.Model(backbone.inputs[0], outputs, name=f"{arch.name}_extractor")
    extractor.trainable = False
    return extractor


def receptive_field(model: keras.Model, layer_name: str) -> tuple[int, int]:
    """(receptive field, stride) in input pixels of one unit of ``layer_name`` (notebook 04): a k x k
    window at stride s adds (k - 1) times the stride so far, then multiplies it by s; branches: widest."""
    memo: dict[int, tuple[int, int]] = {}

    def of_tensor(tensor: Any) -> tuple[int, int]:
        operation, node_index, _ = tensor._keras_history
        key = id(operation) * 1000 + node_index
        if key not in memo:
            inputs = operation._inbound_nodes[node_index].input_tensors
            field, stride = max((of_tensor(t) for t in inputs), default=(1, 1))
            window = getattr(operation, "kernel_size", None)
            window = window or getattr(operation, "pool_size", None)
            if window is not None:
                dilation = getattr(operation, "dilation_rate", (1, 1))[0]
                field += (window[0] - 1) * dilation * stride
                stride *= operation.strides[0]
            memo[key] = (field, stride)
        return memo[key]

    try:
        layer = model.get_layer(layer_name)
    except ValueError:
        raise NSTError(
            f"unknown layer {layer_name!r}; valid layers: {', '.join(layer_names(model))}"
        ) from None
    return of_tensor(layer.output)


def describe_layers(arch: Architecture, backbone: keras.Model, features: dict) -> list[dict]:
    """One row per default layer of ``arch``: its role, shape, stride and receptive field (notebook 04)."""
    rows = []
    for layer in dict.fromkeys(arch.content_layers + arch.style_layers):
        field, stride = receptive_field(backbone, layer)
        roles = [role for role in ("content", "style") if layer in getattr(arch, f"{role}_layers")]
        shape = tuple(features[layer].shape[1:])
        row = {"layer": layer, "role": " + ".join(roles), "shape (H, W, C)": shape}
        rows.append({**row, "stride": stride, "receptive field": field})
    return rows
