# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables; the numbers are
# printed by the cells, from this run.
#
# ### Exercise 1: style strength -1, 0 and +1
#
# Each step of strength multiplies the style weight by a factor (printed above); at +1 the style
# term dominates: look for where the photo's content fades first (flat, low-contrast areas hold
# the least content for the loss to keep).

# %%
def result_of(request):
    """The best image of one page run, without the page."""
    *_, last = nst.stream_run(request, threading.Event())
    return last.image


strengths = (-1.0, 0.0, 1.0)
shown = [
    result_of(
        nst.PlaygroundRequest(
            content=CONTENT,
            style=STYLE,
            architecture=ARCHITECTURE,
            weights=WEIGHTS,
            max_dim=SIZE,
            steps=STEPS,
            style_strength=s,
        )
    )  # fmt: skip
    for s in strengths
]
shown = nst.show_images(
    [i / 255 for i in shown], [f"style strength {s:+g}" for s in strengths], size=3
)
# %% [markdown]
# ### Exercise 2: InceptionV3 at 64 px
#
# The page refuses it before running, in one line: InceptionV3's stem has no padding and needs a
# short side of at least 75 px (notebook 04's `min_side`).

# %%
try:
    next(
        nst.stream_run(
            nst.PlaygroundRequest(
                content=CONTENT, style=STYLE, architecture="inception_v3", max_dim=64
            ),
            threading.Event(),
        )
    )
except nst.NSTError as error:
    print("the page says:", error)

# %% [markdown]
# ### Exercise 3: a snapshot with DenseNet121, then VGG16
#
# Here a shipped photo stands in for the webcam, and both networks get `"auto"` weights, as the
# page's default. Compare them with ImageNet weights (Colab): notebook 06 compares backbones the
# same way, with numbers. Offline, DenseNet121 has random weights and VGG16 the offline VGG16: the
# comparison says little there.

# %%
backbones = ("densenet121", "vgg16")
snapshots = [
    result_of(
        nst.PlaygroundRequest(
            content=CONTENT,
            style=STYLE,
            architecture=name,
            weights="auto",
            max_dim=SIZE,
            steps=STEPS,
        )
    )
    for name in backbones
]
shown = nst.show_images([i / 255 for i in snapshots], list(backbones), size=3.5)
