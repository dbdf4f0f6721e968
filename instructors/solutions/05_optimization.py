# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables; the numbers are
# printed by the cells, from this run.
#
# ### Exercise 1: starting from the photo, and from noise
#
# From the photo itself, Adam repaints every pixel's colour unevenly: specks of the painting's
# colours appear in flat areas first (the wall, the fur). From noise, the content has to be built
# from nothing: its loss stays far above the others' for the same steps.

# %%
starts = {
    init: nst.stylize(content, style, run, steps=COMPARE_STEPS, step_mode="function", init=init)
    for init in ("content", "noise")
}
starts["recoloured photo (default)"] = ratio_runs[1.0]
nst.show_images([r.image for r in starts.values()], list(starts), size=3)
plt.show()
for name, result in starts.items():
    print(
        f"{name}: content loss {result.final_losses['content']:.3g}, style loss {result.final_losses['style']:.3g}"
    )

# %% [markdown]
# ### Exercise 2: no total variation
#
# Without it, the pixel-to-pixel noise grows from the first steps, in the flat areas; the
# history's `tv` column says at which step the run without it passed the run with it by 10%.

# %%
pair = tv_runs[0.0], tv_runs[settings.tv_weight]
tv_off, tv_on = (np.array([r["tv"] for r in result.history]) for result in pair)
above = np.nonzero(tv_off > 1.1 * tv_on)[0]
print(
    f"without total variation the image's TV passed the regularized run's by 10% at step {above[0] + 1}"
    if len(above)
    else f"within {COMPARE_STEPS} steps the TV of the two runs stayed within 10%"
)

# %% [markdown]
# ### Exercise 3: `print` inside `tf.function`
#
# Python's `print` runs while TensorFlow traces the function: once (and again whenever it retraces).
# `tf.print` is an operation of the graph: it runs at every call.

# %%
import sys


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
nst.show_images([ratio_runs[1.0].image, with_two.image], list(kept), size=3.5)
plt.show()
print(", ".join(f"{k}: edges correlate {v:.3f}" for k, v in kept.items()))
