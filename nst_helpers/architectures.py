"""The one registry of architectures the course compares (taught in notebook 04).

Plain data, no TensorFlow import, so that names can be checked before anything heavy loads.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NSTError


@dataclass(frozen=True)
class Architecture:
    """An ImageNet classifier used as a feature extractor, and its defaults."""

    name: str
    keras_constructor: str  # the function's name in keras.applications
    preprocessing: str  # a mode of nst_helpers.preprocessing
    content_layers: tuple[str, ...]
    style_layers: tuple[str, ...]
    # Default loss weights: feature scales differ between networks, so each has its own. Chosen by
    # eye with the offline VGG16 at 256 px, 300 steps, on four pairs (chelsea/swirls, Tuebingen/The
    # Starry Night, Golden Gate/The Great Wave, astronaut/Composition VII), with the style layers
    # balanced ("relative", losses.style_layer_weights): style 1e5 kept the photo's colors, 1e6 and
    # 1e7 lost the astronaut's face, 3e5 brought the paintings' colors and large motifs while three of
    # the four photos stayed plain. VGG19 and ResNet50 start from the same values, untuned.
    content_weight: float
    style_weight: float
    tv_weight: float
    notes: str
    # Wang, Li and Vasconcelos (CVPR 2021): a softmax over channels at each position before the Gram
    # and content losses, at this temperature; None leaves the features as they are (notebook 06).
    softmax_temperature: float | None = None


VGG_STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")

ARCHITECTURES: dict[str, Architecture] = {
    "vgg16": Architecture(
        name="vgg16",
        keras_constructor="VGG16",
        preprocessing="caffe",
        content_layers=("block5_conv2",),
        style_layers=VGG_STYLE_LAYERS,
        content_weight=1e4,
        style_weight=3e5,
        tv_weight=1e5,
        notes="13 conv layers in 5 blocks; the first conv of each block samples 5 scales for style.",
    ),
    "vgg19": Architecture(
        name="vgg19",
        keras_constructor="VGG19",
        preprocessing="caffe",
        content_layers=("block5_conv2",),
        style_layers=VGG_STYLE_LAYERS,
        content_weight=1e4,
        style_weight=3e5,
        tv_weight=1e5,
        notes="Gatys et al.'s network: 16 conv layers; conv1_1 ... conv5_1 for style, as in the paper.",
    ),
    "resnet50": Architecture(
        name="resnet50",
        keras_constructor="ResNet50",
        preprocessing="caffe",
        # One output per stage, after the residual addition and its ReLU: the analogue of VGG's
        # blockN_conv1, at strides 2, 4, 8, 16 and 32. Content comes from the end of stage 4
        # (stride 16, like VGG's block5_conv2), where objects are encoded but not yet pooled away.
        content_layers=("conv4_block6_out",),
        style_layers=(
            "conv1_relu",
            "conv2_block3_out",
            "conv3_block4_out",
            "conv4_block6_out",
            "conv5_block3_out",
        ),
        content_weight=1e4,
        style_weight=3e5,
        tv_weight=1e5,
        notes="Batch-normalized residual network; its stage outputs stand in for VGG's block outputs.",
    ),
}


def get_architecture(name: str | Architecture) -> Architecture:
    """Look up an architecture by name (an ``Architecture`` is returned as it is), or raise an error
    that lists the valid ones."""
    if isinstance(name, Architecture):
        return name
    key = str(name).lower()
    if key not in ARCHITECTURES:
        raise NSTError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[key]
