# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables; the numbers are
# printed by the cells, from this run.
#
# ### Exercise 1: content from `block4_conv2`
#
# A shallower layer keeps more of the exact pixels, so expect the noisy and the mirrored photo to
# move away from the photo at `block4_conv2`. The table divides each loss by the painting's, so that
# the two layers' scales compare, and the cell prints which candidate moved furthest.

# %%
deeper = prepare_run(run.settings, content_layers=("block4_conv2",))
at_block4 = {
    name: float(
        content_loss(
            deeper.extractor(image)["block4_conv2"], deeper.extractor(content)["block4_conv2"]
        )
    )
    for name, image in candidates.items()
}
relative = pd.DataFrame({CONTENT_LAYER: table, "block4_conv2": pd.Series(at_block4)})
relative = relative / relative.loc["the style image"]
print(relative.round(3))
moved = (relative["block4_conv2"] - relative[CONTENT_LAYER]).drop("the style image")
print(
    f"moved furthest away at block4_conv2: {moved.idxmax()} (+{moved.max():.3f} of the painting's loss)"
)

# %% [markdown]
# ### Exercise 2: smaller patches
#
# Expect the deep layers' Gram matrices to change first: their units see more than a patch, so
# cutting the painting into small pieces changes what they see, while the first layers see a few
# pixels, inside one patch, until the patches are nearly that small. The table says whether they do.

# %%
moves = {}
for size in [p for p in (PATCH, PATCH // 2, PATCH // 4, 4) if p >= 4]:
    piece = nst.shuffle_patches(style, size)
    h, w = piece.shape[1:3]
    original, shuffled_features = extractor(style[:, :h, :w]), extractor(piece)
    moves[f"patches of {size} px"] = {
        name: float(
            tf.norm(gram_matrix(shuffled_features[name]) - gram_matrix(original[name]))
            / tf.norm(gram_matrix(original[name]))
        )
        for name in arch.style_layers
    }
moves = pd.DataFrame(moves)
print(moves.round(3))
print(f"the layer that moves most with the smallest patches: {moves.iloc[:, -1].idxmax()}")

# %% [markdown]
# ### Exercise 3: Gatys' normalization
#
# With unnormalized Gram matrices $G = F^T F$ (no division by $M = HW$), Gatys' layer term is
# $E = \frac{1}{4N^2M^2}\sum (G - A)^2$. Our term is the mean over the $N^2$ entries of the squared
# difference of averaged Gram matrices, $\frac{1}{N^2}\sum (G/M - A/M)^2$: exactly $4E$.


# %%
def gatys_layer_loss(features, target_features):
    f = tf.reshape(tf.cast(features, tf.float32), (-1, features.shape[-1]))
    a = tf.reshape(tf.cast(target_features, tf.float32), (-1, target_features.shape[-1]))
    n, m = f.shape[1], f.shape[0]
    return tf.reduce_sum(tf.square(tf.transpose(f) @ f - tf.transpose(a) @ a)) / (4 * n**2 * m**2)


# the same number of positions M in both: the painting at the photo's size
painted = extractor(tf.image.resize(style, content.shape[1:3]))[layer]
gatys = float(gatys_layer_loss(content_features[layer], painted))
grams = {layer: gram_matrix(content_features[layer])}, {layer: gram_matrix(painted)}
ours = float(style_loss(*grams, {layer: 1.0}))
print(f"{layer}: ours / Gatys' = {ours / gatys:.4f} (4 expected)")
