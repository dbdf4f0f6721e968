# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables; the numbers are
# printed by the cells, from this run.
#
# ### Exercise 1: starting from the photo, and from noise
#
# From the photo itself, Adam repaints every pixel's colour unevenly: look for specks of the
# painting's colours in the flat areas. From noise, the content has to be built from nothing: the
# cell prints after how many steps the noise run's content loss came down to where the default
# run's ended (or that it did not, within the steps).

# %%
starts = {
    init: nst.stylize(content, style, run, steps=COMPARE_STEPS, step_mode="function", init=init)
    for init in ("content", "noise")
}
starts["recoloured photo (default)"] = ratio_runs[1.0]
shown = nst.show_images([r.image for r in starts.values()], list(starts), size=3)
plt.show()
goal = starts["recoloured photo (default)"].final_losses["content"]
from_noise = [r["content"] for r in starts["noise"].history]
reached = next((step for step, value in enumerate(from_noise, 1) if value <= goal), None)
print(
    f"from noise, the content loss reached the default run's final {goal:.3g} at step {reached}"
    if reached
    else f"from noise, the content loss ended at {from_noise[-1]:.3g}, above the default run's "
    f"{goal:.3g}: it needs more than {COMPARE_STEPS} steps"
)

# %% [markdown]
# ### Exercise 2: no total variation
#
# Without it, pixel-to-pixel noise grows where nothing holds it back. The map shows where the run
# without it varies more from pixel to pixel than the run with it (bright: more); the cell prints
# the step at which its total variation passed the other run's by 10%.

# %%
pair = tv_runs[0.0], tv_runs[settings.tv_weight]
tv_off, tv_on = (np.array([r["tv"] for r in result.history]) for result in pair)
above = np.nonzero(tv_off > 1.1 * tv_on)[0]
print(
    f"without total variation the image's TV passed the regularized run's by 10% at step {above[0] + 1}"
    if len(above)
    else f"within {COMPARE_STEPS} steps the TV of the two runs stayed within 10%"
)


def variation_of(image):
    """|dx| + |dy| at each pixel, averaged over the channels (notebook 03's map)."""
    image = np.asarray(image)[0]
    return (np.abs(np.diff(image, axis=1))[:-1] + np.abs(np.diff(image, axis=0))[:, :-1]).mean(-1)


excess = np.clip(variation_of(pair[0].image) - variation_of(pair[1].image), 0, None)
shown = nst.show_images(
    [pair[0].image, excess / max(excess.max(), 1e-6)],
    ["TV weight 0", "where it is noisier"],
    size=3.5,
)
# %% [markdown]
# ### Exercise 3: `print` inside `tf.function`
#
# The exercise's `print(float(terms["total"]))` fails inside a `tf.function`: while tracing, the
# total is a symbolic tensor with no value yet. Python's `print` of the tensor itself runs while
# TensorFlow traces the function: once (and again whenever it retraces). `tf.print` is an operation
# of the graph: it runs at every call.

# %%
import sys


@tf.function
def with_float(x):
    print(float(x * 2.0))
    return x


try:
    with_float(tf.constant(1.0))
except Exception as error:  # TensorFlow's error for using a symbolic tensor as a Python value
    print(f"float() of a traced tensor: {type(error).__name__}: {str(error)[:100]}")


@tf.function
def traced(x):
    print("print: tracing with", x)
    tf.print("tf.print: running with", x, output_stream=sys.stdout)
    return x * 2.0


for value in range(3):
    traced(tf.constant(float(value)))

# %% [markdown]
# ### Exercise 4: a second content layer
#
# `block4_conv2` asks for the photo's arrangement at twice the resolution: edges and small parts
# stay where they were. The cell measures how much of the photo's edges each result keeps (the
# correlation of their gradient magnitudes).


# %%
def edges(image):
    gray = np.asarray(image)[0].mean(-1)
    return np.hypot(*np.gradient(gray)).ravel()


both = nst.prepare_run(run.settings, content_layers=("block4_conv2", "block5_conv2"))
with_two = nst.stylize(content, style, both, steps=COMPARE_STEPS, step_mode="function")
kept = {
    "block5_conv2": np.corrcoef(edges(ratio_runs[1.0].image), edges(content))[0, 1],
    "block4_conv2 + block5_conv2": np.corrcoef(edges(with_two.image), edges(content))[0, 1],
}
shown = nst.show_images([ratio_runs[1.0].image, with_two.image], list(kept), size=3.5)
plt.show()
print(", ".join(f"{k}: edges correlate {v:.3f}" for k, v in kept.items()))
