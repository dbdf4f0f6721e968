# %% [markdown]
# ## Solutions to the exercises
#
# For instructors (`make assignments` appends them to the lesson, in
# `build/assignments/exercises/`). Each runs after the lesson, with its variables; the numbers are
# printed by the cells, from this run.
#
# ### Exercise 1: the painting at the largest size
#
# With the painting at 512 px, its strokes are drawn at 512 px's scale: on a CPU, where the largest
# size is 512 px, they keep their size relative to the picture; compare them with the painting's.

# %%
largest, BIG_STYLE = done[-1].size, 512
big = nst.compare_sizes(
    CONTENT, STYLE, [largest], settings, judge, style_size=BIG_STYLE, measure_memory=False
)
shown = nst.show_images(
    [done[-1].result.best_image, big[0].result.best_image, nst.load_image(STYLE, largest)],
    [f"painting at {STYLE_SIZE} px", f"painting at {BIG_STYLE} px", "the painting"],
    size=4,
)
# %% [markdown]
# ### Exercise 2: coarse-to-fine with most of the time at the last size
#
# Shares must add up to 1, one per stage. With almost all the time at the last size, the race
# becomes nearly the direct run: compare each ratio with the race above.

# %%
shares = [0.05] * (len(RACE_SIZES) - 1) + [1 - 0.05 * (len(RACE_SIZES) - 1)]
late = nst.coarse_to_fine(
    CONTENT, STYLE, settings.updated(style_scale=STYLE_SIZE / RACE_SIZES[-1]), judge,
    RACE_SECONDS, RACE_SIZES, shares,
)  # fmt: skip
ratios = ["style_ratio", "content_ratio", "structure"]
moved = late.table[ratios].iloc[-1] - race.table[ratios].iloc[-1]
print(
    f"shares {shares}: the ratio that moved most is {moved.abs().idxmax()} ({moved[moved.abs().idxmax()]:+.3f})"
)

# %% [markdown]
# ### Exercise 3: 2048 px on a CPU
#
# The estimate comes from the network's graph at that size, before any run; with three measured
# peaks or more (`MEASURE_MEMORY`), the fitted exponent extrapolates them to compare.

# %%
from nst_helpers.plumbing.estimate import estimate_run

size = 2048
height, width = nst.load_image(CONTENT, size, upscale=True).shape[1:3]
cost = estimate_run(nst.prepare_run(settings, weights=None, max_dim=size).extractor, height, width)
print(
    f"{size} px ({height} x {width}): about {cost.memory_gib:.1f} GiB of the "
    f"{cost.available_gib:.0f} GiB available, {cost.seconds_per_step:.1f} s a step"
)
measured = table["peak_memory_gib"].dropna()
if len(measured) >= 3:
    exponent = nst.fitted_exponent(table.loc[measured.index, "pixels"], measured)
    guess = (
        measured.iloc[-1] * (height * width / table.loc[measured.index[-1], "pixels"]) ** exponent
    )
    print(f"the measured peaks' fit (memory ~ pixels^{exponent:.2f}) says {guess:.1f} GiB")
else:
    print(f"{len(measured)} measured peaks: too few to fit (set MEASURE_MEMORY = True)")

# %% [markdown]
# ### Exercise 4: another network, more time
#
# The winner of a race at one budget need not win at another: coarse-to-fine can gain when the
# budget is too short for the direct run to settle, and lose its lead as time grows. The cell
# prints each race's winner: a method is compared at a budget, never in general.

# %%
for architecture, seconds in (("resnet50", RACE_SECONDS), (ARCHITECTURE, 2 * RACE_SECONDS)):
    other = nst.coarse_to_fine(
        CONTENT, STYLE, settings.updated(architecture=architecture, style_scale=STYLE_SIZE / RACE_SIZES[-1]),
        judge, seconds, RACE_SIZES, RACE_SHARES,
    )  # fmt: skip
    winner = other.table["style_ratio"].idxmin()
    print(f"{architecture}, {seconds:g} s: lower style ratio for {winner}")
