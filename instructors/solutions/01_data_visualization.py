# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables; the numbers are
# printed by the cells, from this run.
#
# ### Exercise 1: other styles' histograms
#
# A stylized photo inherits the painting's colour statistics: its mean colour, how its brightness
# spreads and which channels dominate (the early layers' Gram matrices hold them). Read each
# histogram's peaks and spread, and the means printed under it: those are what a photo would take on.

# %%
for name in ("hubble", "ihc"):
    other = nst.load_image(name, MAX_DIM)
    nst.show_histograms({f"content ({CONTENT})": content, f"style ({name})": other})
    plt.show()
    means = ", ".join(f"{c} {v:.2f}" for c, v in zip("RGB", other[0].reshape(-1, 3).mean(0)))
    print(f"{name}: mean {means}; brightness spread {other[0].mean(-1).std():.3f}")

# %% [markdown]
# ### Exercise 2: the scale of a style
#
# Small patches keep the painting's strokes and colours but lose its motifs; once a patch holds a
# whole motif (a swirl, a star), the shuffled painting still reads as the painting. A style has a
# scale: the size of its repeated elements, which the deep layers' receptive fields must cover.

# %%
sizes = [p for p in (8, 32, 128) if p <= min(style.shape[1:3]) // 2]
shown = nst.show_images(
    [nst.shuffle_patches(style, p) for p in sizes], [f"patches of {p} px" for p in sizes], size=3
)
# %% [markdown]
# ### Exercise 3: a palette of 3 and of 32 colours
#
# Three colours give the photo's dominant tones (the cat's fur, the background); 32 are closer to
# what the eye calls its colours, since small areas of strong colour (eyes, nose) get their own.

# %%
fig, axes = plt.subplots(2, 1, figsize=(10, 2))
for ax, colors in zip(axes, (3, 32)):
    rgb, shares = palette(content, colors)
    ax.imshow(np.repeat(rgb, np.maximum(1, (shares * 100).round().astype(int)), axis=0)[None])
    ax.set_title(f"{colors} colours", fontsize=9)
    ax.axis("off")
plt.show()
