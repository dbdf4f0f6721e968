# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables; the numbers are
# printed by the cells, from this run.
#
# ### Exercise 1: colour controls on a colourful photo
#
# Luminance-only transfer keeps the photo's colours (its distance to the photo's palette stays
# small); histogram matching gives it the painting's palette before the strokes are drawn.

# %%
astronaut = nst.load_image("astronaut", MAX_DIM, upscale=True)
colours = {
    mode: nst.stylize_with_controls(astronaut, style, run.updated(color=mode)).best_image
    for mode in ("luminance", "histogram")
}
shown = nst.show_images([astronaut, *colours.values()], ["astronaut", *colours], size=3)
for mode, image in colours.items():
    print(
        f"{mode}: palette distance to the photo {nst.palette_distance(image, astronaut):.2f}, "
        f"to the painting {nst.palette_distance(image, style):.2f}"
    )

# %% [markdown]
# ### Exercise 2: three styles
#
# A 10% share is hard to see: the two larger shares decide the strokes and colours. The palette
# distances say which paintings' colours arrived.

# %%
third = nst.load_image("ihc", MAX_DIM, upscale=True)
three = stylized("three", [style, second, third], style_blend=(0.6, 0.3, 0.1)).best_image
shown = nst.show_images(
    [three, style, second, third], ["three styles", "60%", "30%", "10%"], size=3
)
for name, painting in (("60%", style), ("30%", second), ("10%", third)):
    print(f"palette distance to the {name} painting: {nst.palette_distance(three, painting):.2f}")

# %% [markdown]
# ### Exercise 3: the `gatys2016` preset, from noise and from the photo
#
# From noise, L-BFGS must build the photo's content too; from the photo, it starts with it. The
# difference in content ratio between the two is the starting image's share; the course's own
# picture (Adam from the recoloured photo) is judged beside them.

# %%
ITERATIONS = 100
reference = nst.judge_pair(content, style, nst.make_judge())
gatys = nst.prepare_run(nst.apply_preset("gatys2016", max_dim=MAX_DIM, steps=ITERATIONS))
results = {
    f"gatys2016 from {init}": nst.stylize_with_controls(
        content, style, gatys.updated(init=init)
    ).best_image
    for init in ("noise", "content")
}
results["the course's (plain)"] = plain.best_image
shown = nst.show_images(list(results.values()), list(results), size=3.5)
for name, image in results.items():
    scores = reference.score(image)
    print(f"{name}: style ratio {scores.style_ratio:.3f}, content ratio {scores.content_ratio:.3f}")
