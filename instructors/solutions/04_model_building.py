# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables; the numbers are
# printed by the cells, from this run.
#
# ### Exercise 1: a second content layer for VGG19
#
# `block4_conv2` has the same 512 channels as `block5_conv2` but twice its resolution (stride 8
# against 16) and a smaller receptive field: it pins the content down more finely.

# %%
two = nst.build_extractor("vgg19", ["block4_conv2", "block5_conv2"], backbone=backbones["vgg19"])
for name, value in two(content).items():
    field, stride = nst.receptive_field(backbones["vgg19"], name)
    print(f"{name}: shape {tuple(value.shape)}, receptive field {field} px, stride {stride}")

# %% [markdown]
# ### Exercise 2: forward time against pixels
#
# Convolutions cost in proportion to the pixels, so a side four times longer should cost about 16
# times more; small sizes cost more than that share (fixed overheads), very large ones may cost more
# too (memory traffic). The cell compares the two ratios (at `MAX_DIM` 512: 256 and 1024 px).

# %%
small, large = MAX_DIM // 2, MAX_DIM * 2
times = {
    size: forward_seconds(extractors[ARCHITECTURE], nst.load_image(CONTENT, size, upscale=True))
    for size in (small, large)
}
print(
    f"{ARCHITECTURE}: {small} px {times[small]:.3f} s, {large} px {times[large]:.3f} s: "
    f"{times[large] / times[small]:.1f} times longer for {(large / small) ** 2:.0f} times the pixels"
)

# %% [markdown]
# ### Exercise 3: DenseNet121 and InceptionV3
#
# Seconds per million parameters say little: DenseNet121 has a third of InceptionV3's parameters
# but concatenates every earlier map of a block into the next layer's input, so it keeps many large
# maps alive (memory) and reads them again and again (time).

# %%
for name in ("densenet121", "inception_v3"):
    seconds = forward_seconds(extractors[name], content)
    params = backbones[name].count_params() / 1e6
    print(
        f"{name}: {seconds:.3f} s forward, {params:.1f} M parameters, {seconds / params * 1e3:.1f} ms per M"
    )

# %% [markdown]
# ### Exercise 4: the first block of each ResNet50 stage
#
# `convN_block1_out` sits at the start of a stage, right after the stride: the same resolution as
# the stage's end, but one residual block deep instead of all of them, so smaller receptive fields.
# For style, the stage ends see more of each motif; the first blocks would keep finer texture.

# %%
firsts = [f"conv{k}_block1_out" for k in range(2, 6)]
resnet = backbones["resnet50"]
for name in firsts + list(nst.get_architecture("resnet50").style_layers[1:]):
    field, stride = nst.receptive_field(resnet, name)
    print(f"{name}: receptive field {field} px, stride {stride}")
