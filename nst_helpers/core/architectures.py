"""The one registry of architectures the course compares (taught in notebook 04).

Plain data, no TensorFlow import, so that names can be checked before anything heavy loads.
"""

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
    # Default loss weights (feature scales differ between networks, so an entry may override). Chosen by
    # eye with the offline VGG16 at 256 px, 300 steps, on four pairs (chelsea/swirls, Tuebingen/The
    # Starry Night, Golden Gate/The Great Wave, astronaut/Composition VII), with the style layers
    # balanced ("relative", losses.balanced_layer_weights): style 1e5 kept the photo's colors, 1e6 and
    # 1e7 lost the astronaut's face, 3e5 brought the paintings' colors and large motifs while three of
    # the four photos stayed plain. All seven start from these values (the others untuned);
    # an architecture whose features differ in scale overrides them in its entry.
    content_weight: float = 1e4
    style_weight: float = 3e5
    tv_weight: float = 1e5
    # Wang, Li and Vasconcelos (CVPR 2021): a softmax over channels at each position before the Gram
    # and content losses, at this temperature; None leaves the features as they are (notebook 06).
    softmax_temperature: float | None = None
    # The smallest short side (px) the network accepts, above the course's 32: InceptionV3's unpadded
    # stem shrinks smaller inputs to nothing before mixed10 (tests/test_models.py checks 75 and 74).
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
        notes="Batch-normalized residual network; its stage outputs stand in for VGG's block outputs.",
    ),
    # The four below follow ResNet50's rule: one style layer per stride (2, 4, 8, 16, 32), each
    # taken where that stride's stage ends and after a ReLU (so the maps are non-negative, like
    # VGG's), and content at the end of the stride-16 stage. Their loss weights are ResNet50's,
    # untuned (the defaults above): without internet they run with random weights only.
    "inception_v3": Architecture(
        name="inception_v3",
        keras_constructor="InceptionV3",
        preprocessing="tf",
        # Keras names the stem's layers by counting (activation_2 is the third Activation layer);
        # models.build_backbone renames them as in a fresh session, so these names always hold.
        # Stem at stride 2 (activation_2: 64 channels) and 4 (activation_4: 192), then the last
        # Inception module at strides 8, 16 and 32 (mixed2, mixed7, mixed10).
        content_layers=("mixed7",),
        style_layers=("activation_2", "activation_4", "mixed2", "mixed7", "mixed10"),
        notes="Inception modules: parallel 1x1, 3x3, 5x5 (factorized) and pooling branches, concatenated.",
        min_side=75,
    ),
    "xception": Architecture(
        name="xception",
        keras_constructor="Xception",
        preprocessing="tf",
        # Xception's blocks end in a residual addition whose ReLU opens the next block: the style
        # layers are those ReLUs (blockN_sepconv1_act) at strides 4, 8, 16, the stem's second conv at
        # stride 2, and the last separable conv at 32; content at the end of the middle flow
        # (block13_sepconv1_act = ReLU of the 8th middle block's output, stride 16).
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
        # Each dense block ends in a transition whose BN-ReLU (poolN_relu) sees every feature map the
        # block made: strides 4, 8, 16; the stem's ReLU at 2, the final ReLU at 32; content at the end
        # of the third dense block (pool4_relu, stride 16).
        content_layers=("pool4_relu",),
        style_layers=("conv1_relu", "pool2_relu", "pool3_relu", "pool4_relu", "relu"),
        notes="Dense blocks: each layer gets every earlier layer's maps in its block; few parameters.",
    ),
    "resnet50v2": Architecture(
        name="resnet50v2",
        keras_constructor="ResNet50V2",
        preprocessing="tf",
        # Pre-activation ResNet: a block's output is a plain sum (no ReLU) and the next block opens
        # with BN-ReLU (..._preact_relu), which is taken instead. V2 strides in a stage's *last*
        # block, so a stage's end at its own stride is the preact of that last block. The stem has
        # no ReLU of its own (its BN-ReLU opens stage 2), so stride 2 is its convolution, signed.
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
    """Look up an architecture by name (an ``Architecture`` is returned as it is), or raise an error
    that lists the valid ones."""
    if isinstance(name, Architecture):
        return name
    key = str(name).lower()
    if key not in ARCHITECTURES:
        raise NSTError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[key]
