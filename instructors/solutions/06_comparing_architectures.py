# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables; the numbers are
# printed by the cells, from this run (offline, every network but VGG16 has random weights: the
# comparisons mean something with ImageNet weights, on Colab).
#
# ### Exercise 1: the softmax fix's temperature
#
# A lower temperature makes each position's channel distribution peakier (lower entropy: a few
# channels dominate the Gram matrices), a higher one flatter (higher entropy). Compare the judged
# ratios printed here with the table's row for the lesson's temperature.

# %%
for temperature in (0.5, 2.0):
    fixed = [
        r for r in nst.contenders(WEIGHTS, softmax_temperature=temperature) if r.softmax_temperature
    ]
    tried = nst.compare_architectures(
        content, style, fixed, settings, judge, judge_every=JUDGE_EVERY,
        eager_steps=EAGER_STEPS, target_style_ratio=TARGET_STYLE_RATIO, measure_memory=False,
    )  # fmt: skip
    table = nst.entropy_table([t.result.run for t in tried], content, style)
    for t in tried:
        mean = table[table["network"] == t.label]["entropy"].mean()
        print(
            f"T = {temperature:g}, {t.label}: mean entropy {mean:.3f}, style ratio {t.scores.style_ratio:.3f}"
        )

# %% [markdown]
# ### Exercise 2: VGG19 with `block*_conv2` for style
#
# The second convolution of each block sees a little more than the first (one more 3x3 window), so
# expect the larger motifs, judged at the deep layers, to change most; the cell prints which did.

# %%
conv2 = nst.prepare_run(
    settings,
    architecture="vgg19",
    weights=nst.side_by_side_weights("vgg19", WEIGHTS),
    style_layers=[f"block{b}_conv2" for b in range(1, 6)],
)
scores = reference.score(nst.stylize(content, style, conv2).best_image)
before = next(t for t in trials if t.label.startswith("vgg19")).scores
change = {
    name: scores.style_ratios[name] - before.style_ratios[name] for name in scores.style_ratios
}
print(", ".join(f"{n}: {v:+.3f}" for n, v in change.items()))
print(f"the judge layer that changed most: {max(change, key=lambda n: abs(change[n]))}")

# %% [markdown]
# ### Exercise 3: judging at another size
#
# The ratios compare the result with the photo at the same size, so they move only as much as the
# picture's statistics change with the size. Here the best network's image is judged at both sizes;
# score the others the same way to see whether the table's ordering holds.

# %%
SIZE = 384
photo, painting = (nst.load_image(i, SIZE, upscale=True) for i in (content, style))
elsewhere = nst.judge_pair(photo, painting, judge)
image = best.result.best_image
at_size = elsewhere.score(nst.load_image(image, SIZE, upscale=True))
print(
    f"{best.label}: style ratio {best.scores.style_ratio:.3f} at {MAX_DIM} px, {at_size.style_ratio:.3f} at "
    f"{SIZE} px; content ratio {best.scores.content_ratio:.3f} -> {at_size.content_ratio:.3f}"
)

# %% [markdown]
# ### Exercise 4: a stricter target
#
# The curves are already judged at every `JUDGE_EVERY` steps: no new run is needed.

# %%
strict = 0.05
reached = curves[curves["style_ratio"] <= strict].groupby("network", sort=False).first()
print(
    f"reached a style ratio of {strict:g}: "
    + (", ".join(f"{n} at step {int(r.step)}" for n, r in reached.iterrows()) or "none")
)
