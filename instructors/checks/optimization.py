"""Assignment 05: one Adam step on the pixels, then the loop around it.

The loop's checks put the course's step in place of the student's (and restore it), so that a wrong
step loses the step's points only.
"""

from __future__ import annotations

from instructors.checks import check

NOTEBOOK = "05_optimization"
GRADING = {
    "STYLE": "swirls",
    "MAX_DIM": 64,
    "STEPS": 4,
    "ARCHITECTURE": "vgg16",
    "WEIGHTS": "offline-vgg16",
    "COMPARE_STEPS": 2,
    "TIMING_STEPS": 3,
    "UPDATE_EVERY": 2,
}
"""The lesson's parameters while grading (and in the notebook tests): small, offline, shipped images."""


@check(
    "adam_step",
    points=2,
    failure="One step: the loss under a GradientTape, its gradient with respect to the image, "
    "Adam's update of the image, then the clip to [0, 1].",
)
def adam_step_moves_the_pixels_and_not_the_network(adam_step):
    import keras
    import numpy as np
    import tensorflow as tf

    from nst_helpers.core import losses
    from nst_helpers.core.models import build_backbone, build_extractor

    assert adam_step is not None, "adam_step is not defined: run the cell that defines it"
    layers = ["block1_conv1", "block2_conv1"]
    extractor = build_extractor("vgg16", layers, backbone=build_backbone("vgg16", None))
    rng = np.random.default_rng(10)
    photo, painting = (rng.random((1, 24, 24, 3)).astype("float32") for _ in range(2))
    content_targets = {"block2_conv1": extractor(photo)["block2_conv1"]}
    style_targets = {n: losses.gram_matrix(m) for n, m in extractor(painting).items()}
    network = [w.numpy().copy() for w in extractor.weights]
    image = tf.Variable(photo)
    optimizer = keras.optimizers.Adam(0.02, beta_1=0.9, epsilon=0.1)
    factors, weights = (1.0, 1e3, 0.5), {"block1_conv1": 0.3, "block2_conv1": 0.7}
    try:
        terms = adam_step(
            image, optimizer, extractor, content_targets, style_targets, factors, weights
        )
    except Exception as error:
        import inspect

        hint = ""
        if "trainable" in inspect.getsource(adam_step) or ".weights" in inspect.getsource(
            adam_step
        ):
            hint = "; it works on the network's weights, but the network is frozen: only the image moves"
        raise AssertionError(
            f"adam_step raised {type(error).__name__}: {str(error)[:200]}{hint}"
        ) from None
    assert terms is not None, "adam_step returned None: write its body in place of the ..."
    assert all(np.array_equal(w.numpy(), v) for w, v in zip(extractor.weights, network)), (
        "the network's weights changed: the gradient is taken with respect to the image only"
    )
    assert not np.allclose(image.numpy(), photo), (
        "the image did not change: take the gradient of the total with respect to the image "
        "(tape.gradient(terms['total'], image)), not the network's weights, and apply it to the image"
    )
    assert 0.0 <= image.numpy().min() and image.numpy().max() <= 1.0, (
        "pixels left [0, 1]: clip them after the update (image.assign(tf.clip_by_value(...)))"
    )
    assert isinstance(terms, dict) and "total" in terms, (
        "adam_step returns the loss terms, the dict nst.total_loss gives ({'total': ..., ...})"
    )
    before = losses.total_loss(
        extractor(photo), photo, content_targets, style_targets, *factors, weights
    )["total"]
    assert np.isclose(float(terms["total"]), float(before), rtol=1e-4), (
        f"its total is {float(terms['total']):.6g}, nst.total_loss's on the image before the update "
        f"{float(before):.6g}: compute the terms with nst.total_loss(features, image, content_targets, "
        "style_targets, *loss_factors, layer_weights), under the tape, before the update"
    )


@check(
    "adam_step",
    hidden=True,
    failure="Two steps of adam_step differ from the course's step (gradient, update, clip).",
)
def adam_step_matches_the_course(adam_step):
    import keras
    import numpy as np
    import tensorflow as tf

    from nst_helpers.core import losses
    from nst_helpers.core.models import build_backbone, build_extractor

    extractor = build_extractor("vgg16", ["block1_conv1"], backbone=build_backbone("vgg16", None))
    rng = np.random.default_rng(11)
    photo, painting = (rng.random((1, 16, 20, 3)).astype("float32") for _ in range(2))
    content = {"block1_conv1": extractor(photo)["block1_conv1"]}
    style = {"block1_conv1": losses.gram_matrix(extractor(painting)["block1_conv1"])}
    images, factors, weights = [], (1.0, 1e2, 0.5), {"block1_conv1": 2.0}
    for by_student in (True, False):
        image = tf.Variable(photo)
        optimizer = keras.optimizers.Adam(0.05, beta_1=0.9, epsilon=0.1)
        for _ in range(2):
            if by_student:
                adam_step(image, optimizer, extractor, content, style, factors, weights)
                continue
            with tf.GradientTape() as tape:
                terms = losses.total_loss(
                    extractor(image), image, content, style, *factors, weights
                )
                total = terms["total"]
            optimizer.apply_gradients([(tape.gradient(total, image), image)])
            image.assign(tf.clip_by_value(image, 0.0, 1.0))
        images.append(image.numpy())
    assert np.allclose(images[0], images[1], atol=1e-5), "the image after two steps differs"


@check(
    "optimize_by_hand",
    failure="The loop calls adam_step `steps` times and keeps the image of the lowest total loss.",
)
def loop_keeps_the_best_image(optimize_by_hand):
    import numpy as np
    import tensorflow as tf

    from nst_helpers.core import losses
    from nst_helpers.core.models import build_backbone, build_extractor

    assert optimize_by_hand is not None, "optimize_by_hand is not defined: run its cell"

    def course_step(image, optimizer, extractor, content_targets, style_targets, factors, weights):
        with tf.GradientTape() as tape:
            terms = losses.total_loss(
                extractor(image), image, content_targets, style_targets, *factors, weights
            )
        optimizer.apply_gradients([(tape.gradient(terms["total"], image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return terms

    extractor = build_extractor("vgg16", ["block1_conv1"], backbone=build_backbone("vgg16", None))
    rng = np.random.default_rng(12)
    photo, painting = (rng.random((1, 16, 16, 3)).astype("float32") for _ in range(2))
    content = {"block1_conv1": extractor(photo)["block1_conv1"]}
    style = {"block1_conv1": losses.gram_matrix(extractor(painting)["block1_conv1"])}
    names = optimize_by_hand.__globals__
    student_step = names.get("adam_step")
    names["adam_step"] = course_step  # the loop is marked on its own, with the course's step
    try:
        done = optimize_by_hand(painting, extractor, content, style, (1.0, 1e2, 1.0), None, 5, 0.3)
    finally:
        names["adam_step"] = student_step
    assert done is not None, "optimize_by_hand returned None: write its body in place of the ..."
    final, best, history = done
    assert len(history) == 5, f"5 steps asked for, {len(history)} entries in the history"
    assert np.shape(final) == np.shape(best) == (1, 16, 16, 3), "images of the input's shape"
    totals = [float(row["total"]) for row in history]
    measured = losses.total_loss(extractor(best), best, content, style, 1.0, 1e2, 1.0)["total"]
    assert np.isclose(float(measured), min(totals), rtol=1e-3), (
        f"the best image's loss is {float(measured):.4g} but the lowest in the history is "
        f"{min(totals):.4g}: keep a copy of the image BEFORE the step whose loss is the lowest"
    )


@check(
    "optimize_by_hand",
    hidden=True,
    failure="The loop's losses differ from nst.stylize's (Adam's settings, its schedule, the start).",
)
def loop_matches_stylize(optimize_by_hand):
    import numpy as np
    import tensorflow as tf

    from nst_helpers.core import losses
    from nst_helpers.core.color import match_color
    from nst_helpers.core.optimize import stylize
    from nst_helpers.core.prepare import prepare_run

    def course_step(image, optimizer, extractor, content_targets, style_targets, factors, weights):
        with tf.GradientTape() as tape:
            terms = losses.total_loss(
                extractor(image), image, content_targets, style_targets, *factors, weights
            )
        optimizer.apply_gradients([(tape.gradient(terms["total"], image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return terms

    run = prepare_run(
        architecture="vgg16",
        weights=None,
        steps=4,
        step_mode="eager",
        precision="float32",
        content_layers=("block2_conv2",),
        style_layers=("block1_conv1", "block2_conv1"),
        max_dim=40,
    )
    settings, extractor = run.settings, run.extractor
    rng = np.random.default_rng(13)
    photo, painting = (rng.random((1, 32, 40, 3)).astype("float32") for _ in range(2))
    content = {n: extractor(photo)[n] for n in settings.content_layers}
    style = {n: losses.gram_matrix(extractor(painting)[n]) for n in settings.style_layers}
    factors = (settings.content_weight, settings.style_weight, settings.tv_weight)
    weights = losses.balanced_layer_weights(style, settings.style_balance)
    names = optimize_by_hand.__globals__
    student_step = names.get("adam_step")
    names["adam_step"] = course_step
    try:
        start = match_color(photo, painting)
        *_, history = optimize_by_hand(
            start, extractor, content, style, factors, weights, 4, settings.learning_rate
        )
    finally:
        names["adam_step"] = student_step
    expected = [row["total"] for row in stylize(photo, painting, run).history]
    assert np.allclose([row["total"] for row in history], expected, rtol=1e-4), "losses differ"
