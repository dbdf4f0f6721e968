# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables.
#
# ### Exercise 1: `preprocess_input` on [0, 1]
#
# `preprocess_input` expects 0-255. Given 0-1, it subtracts the ImageNet mean (about 100-124) from
# values under 1: every pixel lands near minus the mean, a nearly uniform dark input. The network
# sees almost none of the photo (its contrast is 255 times too small).

# %%
wrong = keras_preprocess(content)
right = keras_preprocess(content * 255.0)
print(
    f"largest difference from the correct input: {float(tf.reduce_max(tf.abs(wrong - right))):.1f}; "
    f"spread of the wrong input: {float(tf.math.reduce_std(wrong)):.2f} "
    f"(correct: {float(tf.math.reduce_std(right)):.1f})"
)

# %% [markdown]
# ### Exercise 2: the "torch" convention by hand, and a VGG16 fed the wrong convention
#
# Written out below, it matches the package's. A network trained on "caffe" input (BGR, 0-255,
# minus the mean) that receives "tf" input (-1 to 1) gets values about a hundred times too small:
# its first layer responds far more weakly (the cell prints by how much; the biases keep it from
# shrinking by exactly the same factor).

# %%
TORCH_MEAN, TORCH_STD = tf.constant([0.485, 0.456, 0.406]), tf.constant([0.229, 0.224, 0.225])


def preprocess_torch(image):
    return (tf.cast(image, tf.float32) - TORCH_MEAN) / TORCH_STD


def deprocess_torch(x):
    return x * TORCH_STD + TORCH_MEAN


print(
    "by hand vs nst.preprocess(..., 'torch'):",
    float(tf.reduce_max(tf.abs(preprocess_torch(content) - nst.preprocess(content, "torch")))),
    "; round trip:",
    float(tf.reduce_max(tf.abs(deprocess_torch(preprocess_torch(content)) - content))),
)
vgg16 = nst.build_extractor(
    "vgg16", ["block1_conv1"], weights=nst.side_by_side_weights("vgg16", "offline-vgg16")
)
as_tf = nst.deprocess(
    nst.preprocess(content, "tf")
)  # what makes the built-in step output "tf" input
right, fed_tf = vgg16(content)["block1_conv1"], vgg16(as_tf)["block1_conv1"]
print(
    f"mean block1_conv1 activation: caffe input {float(tf.reduce_mean(right)):.2f}, "
    f"tf input {float(tf.reduce_mean(fed_tf)):.4f}"
)

# %% [markdown]
# ### Exercise 3: a PNG with transparency
#
# The loader composites transparent pixels onto white (`nst.to_rgb`), as a page shows them; on
# black, every half-transparent edge would turn dark and the network would see a black frame.

# %%
import tempfile
from pathlib import Path

png = Path(tempfile.mkdtemp()) / "transparent.png"
with_alpha = photo.convert("RGBA")
with_alpha.putalpha(Image.eval(photo.convert("L"), lambda v: 0))  # every pixel transparent
with_alpha.save(png)
loaded = nst.load_image(str(png), MAX_DIM)
print(f"a fully transparent PNG loads as {loaded.min():.2f} to {loaded.max():.2f}: white")
