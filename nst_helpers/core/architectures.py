"""The one registry of architectures the course compares (taught in notebook 04): plain data, no
TensorFlow, so names can be checked before anything heavy loads."""

from __future__ import annotations

from dataclasses import dataclass

from nst_helpers.core.errors import NSTError


@dataclass(frozen=True)
class Architecture:
    """An ImageNet classifier used as a feature extractor, and its defaults."""

    name: str
    keras_constructor: str  # the function's name in keras.applications
    preprocessing: str  # a mode of nst_helpers.core.preprocessing
    content_layers: tuple[str, ...]
    style_layers: tuple[str, ...]
    notes: str
    # Default loss weights, by eye (offline VGG16, 256 px, 300 steps, "relative" balance, four
    # pairs): style 1e5 kept the photo's colors, 1e6 and 1e7 lost the astronaut's face, 3e5 brought
    # the paintings' colors and large motifs. Untuned for the others; an entry may override them.
    content_weight: float = 1e4
    style_weight: float = 3e5
    tv_weight: float = 1e5
    # Smallest short side (px): InceptionV3's unpadded stem shrinks 74 px to nothing before mixed10.
    min_side: int = 32


VGG_STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")

ARCHITECTURES: dict[str, Architecture] = {
    "vgg16": Architecture(
        name="vgg16",
        keras_constructor="VGG16",
        preprocessing="caffe",
        content_layers=("block5_conv2",),
        style_layers=VGG_STYLE_LAYERS,
        notes="13 conv layers in 5 blocks; the first conv of each block samples 5 scales for style.",
    ),
    "vgg19": Architecture(
        name="vgg19",
        keras_constructor="VGG19",
        preprocessing="caffe",
        content_layers=("block5_conv2",),
        style_layers=VGG_STYLE_LAYERS,
        notes="Gatys et al.'s network: 16 conv layers; conv1_1 ... conv5_1 for style, as in the paper.",
    ),
    "resnet50": Architecture(
        name="resnet50",
        keras_constructor="ResNet50",
        preprocessing="caffe",
        # Each stage's output (after addition and ReLU), strides 2-32, like VGG's blockN_conv1;
        # content ends stage 4 (stride 16, like block5_conv2): objects encoded, not pooled away.
        content_layers=("conv4_block6_out",),
        style_layers=(
            "conv1_relu",
            "conv2_block3_out",
            "conv3_block4_out",
            "conv4_block6_out",
            "conv5_block3_out",
        ),
        notes="Batch-normalized residual network; its stage outputs stand in for VGG's block outputs.",
    ),
    # The four below follow ResNet50's rule: one style layer per stride, where its stage ends,
    # after a ReLU (non-negative maps, like VGG's); content at stride 16. Loss weights untuned.
    "inception_v3": Architecture(
        name="inception_v3",
        keras_constructor="InceptionV3",
        preprocessing="tf",
        # Stem at strides 2 and 4 (named as in a fresh session: models.use_fresh_session_names),
        # then the last Inception module at strides 8, 16 and 32.
        content_layers=("mixed7",),
        style_layers=("activation_2", "activation_4", "mixed2", "mixed7", "mixed10"),
        notes="Inception modules: parallel 1x1, 3x3, 5x5 (factorized) and pooling branches, concatenated.",
        min_side=75,
    ),
    "xception": Architecture(
        name="xception",
        keras_constructor="Xception",
        preprocessing="tf",
        # The ReLU opening each block (blockN_sepconv1_act) at strides 4-16, the stem's second conv
        # at 2, the last conv at 32; content ends the middle flow (stride 16).
        content_layers=("block13_sepconv1_act",),
        style_layers=(
            "block1_conv2_act",
            "block3_sepconv1_act",
            "block4_sepconv1_act",
            "block5_sepconv1_act",
            "block14_sepconv2_act",
        ),
        notes="Depthwise-separable convolutions with residual links: an entry, a middle and an exit flow.",
    ),
    "densenet121": Architecture(
        name="densenet121",
        keras_constructor="DenseNet121",
        preprocessing="torch",
        # Each transition's BN-ReLU (poolN_relu) sees all its block's maps: strides 4-16; the
        # stem's ReLU at 2, the final ReLU at 32; content ends the third dense block.
        content_layers=("pool4_relu",),
        style_layers=("conv1_relu", "pool2_relu", "pool3_relu", "pool4_relu", "relu"),
        notes="Dense blocks: each layer gets every earlier layer's maps in its block; few parameters.",
    ),
    "resnet50v2": Architecture(
        name="resnet50v2",
        keras_constructor="ResNet50V2",
        preprocessing="tf",
        # A block's output is a plain sum, so the next block's BN-ReLU (_preact_relu) is taken; V2
        # strides in a stage's last block; the stem has no ReLU: stride 2 is its signed convolution.
        content_layers=("conv4_block6_preact_relu",),
        style_layers=(
            "conv1_conv",
            "conv2_block3_preact_relu",
            "conv3_block4_preact_relu",
            "conv4_block6_preact_relu",
            "post_relu",
        ),
        notes="ResNet50 with batch norm and ReLU before each convolution (He et al. 2016, v2).",
    ),
}


def get_architecture(name: str | Architecture) -> Architecture:
    """Look up an architecture by name, or raise an error that lists the valid ones (notebook 04)."""
    if isinstance(name, Architecture):
        return name
    key = str(name).lower()
    if key not in ARCHITECTURES:
        raise NSTError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[key]
