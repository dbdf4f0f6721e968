"""``make bench``: how fast one optimisation step is, by architecture, size, step mode and precision.

Each configuration runs in a fresh process (so that its first step really traces and compiles,
and its peak memory is its own) on the shipped images ``chelsea`` and ``swirls``. A *reference*
step, written the straightforward way (the loop of TensorFlow's style transfer tutorial: a
``tf.function`` over a Keras model's outputs, float32), is timed in the same run, and each row is
compared with it. Random weights are used for timing: the speed does not depend on their values.
A quality check runs 200 steps in float32 and in mixed precision with the offline VGG16 and
compares their final losses, evaluated in float32.

    python -m nst_helpers.benchmark [--sizes 256 512] [--large 1024] [--archs vgg16 vgg19 resnet50]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MODES = ("reference", "eager", "function", "xla")
PRECISIONS = ("float32", "mixed")


def peak_memory_gib() -> float:
    """Peak memory of this process: the GPU's peak where there is one, else the peak resident set."""
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux reports KiB


def bench_images(size: int) -> tuple[Any, Any]:
    from .images import load_image

    return load_image("chelsea", size, upscale=True), load_image("swirls", size, upscale=True)


def reference_times(architecture: str, size: int, steps: int, max_seconds: float) -> list[float]:
    """Step times of the straightforward loop: tf.function over a Keras model's outputs, float32.

    Written without the course's helpers: the classifier's own preprocess_input, the Gram matrix
    with einsum, losses as in TensorFlow's tutorial (sum-based total variation, weights 1e-2, 1e4, 30).
    """
    import keras
    import tensorflow as tf

    from .architectures import get_architecture

    arch = get_architecture(architecture)
    preprocess_input = getattr(keras.applications, arch.name).preprocess_input  # keras.applications.vgg19 etc.
    base = getattr(keras.applications, arch.keras_constructor)(include_top=False, weights=None)
    base.trainable = False
    names = list(arch.style_layers) + list(arch.content_layers)
    model = keras.Model(base.input, [base.get_layer(name).output for name in names])
    n_style = len(arch.style_layers)

    def gram(x: tf.Tensor) -> tf.Tensor:
        positions = tf.cast(tf.shape(x)[1] * tf.shape(x)[2], tf.float32)
        return tf.linalg.einsum("bijc,bijd->bcd", x, x) / positions

    def outputs(image: tf.Tensor) -> tuple[list, list]:
        features = model(preprocess_input(image * 255.0))
        return [gram(f) for f in features[:n_style]], features[n_style:]

    content, style = (tf.constant(x) for x in bench_images(size))
    style_targets, _ = outputs(style)
    _, content_targets = outputs(content)
    image = tf.Variable(content)
    optimizer = keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99, epsilon=1e-1)

    @tf.function
    def train_step(image: tf.Variable) -> tf.Tensor:
        with tf.GradientTape() as tape:
            grams, feats = outputs(image)
            style_loss = tf.add_n([tf.reduce_mean((g - t) ** 2) for g, t in zip(grams, style_targets)]) / n_style
            content_loss = tf.add_n([tf.reduce_mean((f - t) ** 2) for f, t in zip(feats, content_targets)])
            loss = 1e-2 * style_loss + 1e4 * content_loss + 30 * tf.reduce_sum(tf.image.total_variation(image))
        optimizer.apply_gradients([(tape.gradient(loss, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return loss

    times: list[float] = []
    start_all = time.perf_counter()
    for _ in range(steps):
        start = time.perf_counter()
        float(train_step(image))
        times.append(time.perf_counter() - start)
        if len(times) > 1 and time.perf_counter() - start_all > max_seconds:
            break
    return times


def run_one(architecture: str, size: int, mode: str, precision: str, steps: int, max_seconds: float) -> dict[str, Any]:
    """One configuration, in this process: first-step time, median of the rest, peak memory."""
    from .optimize import stylize

    content, style = bench_images(size)
    if mode == "reference":
        times, policy = reference_times(architecture, size, steps, max_seconds), "float32"
    else:
        result = stylize(content, style, architecture=architecture, weights=None, steps=steps, step_mode=mode,
                         precision=precision, max_seconds=max_seconds, max_dim=size)
        times, policy = [row["seconds"] for row in result.history], result.extras["policy"]
    later = sorted(times[1:]) or times
    return {
        "architecture": architecture, "size": size, "height": content.shape[1], "width": content.shape[2],
        "mode": mode, "precision": precision, "policy": policy, "steps_timed": len(times) - 1,
        "first_step_s": times[0], "median_step_s": later[len(later) // 2], "peak_memory_gib": peak_memory_gib(),
        "status": "ok",
    }


def quality_check(size: int, steps: int) -> dict[str, Any]:
    """Mixed vs float32 after ``steps`` steps with real features: final total loss, evaluated in float32."""
    import tensorflow as tf

    from .architectures import get_architecture
    from .losses import gram_matrix, total_loss
    from .models import build_extractor
    from .optimize import stylize
    from .weights import OFFLINE_VGG16

    content, style = bench_images(size)
    arch = get_architecture("vgg16")
    runs = {p: stylize(content, style, architecture="vgg16", weights=OFFLINE_VGG16, steps=steps, step_mode="xla",
                       precision=p, max_dim=size) for p in PRECISIONS}
    judge = build_extractor("vgg16", weights=OFFLINE_VGG16)  # float32
    content_targets = {n: judge(content)[n] for n in arch.content_layers}
    style_targets = {n: gram_matrix(judge(style)[n]) for n in arch.style_layers}
    final = {}
    for precision, run in runs.items():
        image = tf.constant(run.image)
        losses = total_loss(judge(image), image, content_targets, style_targets, arch.content_weight,
                            arch.style_weight, arch.tv_weight)
        final[precision] = float(losses["total"])
    return {"size": size, "steps": steps, "policy": runs["mixed"].extras["policy"],
            "float32_total": final["float32"], "mixed_total": final["mixed"],
            "relative_difference": abs(final["mixed"] - final["float32"]) / final["float32"]}


def emulated_bf16() -> bool:
    """True on a CPU-only machine without bfloat16 instructions: mixed precision is emulated there."""
    import tensorflow as tf

    from .precision import cpu_flags

    return not tf.config.list_physical_devices("GPU") and not {"avx512_bf16", "amx_bf16"} & cpu_flags()


def configurations(archs: list[str], sizes: list[int], large: list[int], emulated: bool) -> list[dict[str, Any]]:
    """Every row of the table; on emulated bfloat16, mixed eager/function runs only at the smallest size."""
    rows = []
    for arch in archs:
        for size in sizes:
            rows.append({"architecture": arch, "size": size, "mode": "reference", "precision": "float32"})
            for precision in PRECISIONS:
                for mode in MODES[1:]:
                    row = {"architecture": arch, "size": size, "mode": mode, "precision": precision}
                    if emulated and precision == "mixed" and mode != "xla" and size > min(sizes):
                        row["status"] = f"skipped: bfloat16 is emulated on this CPU (see the {min(sizes)} px row)"
                    rows.append(row)
    for size in large:  # the memory goal: VGG19 at 1024 px, the default compiled step
        rows.append({"architecture": "vgg19", "size": size, "mode": "function", "precision": "float32"})
        rows.append({"architecture": "vgg19", "size": size, "mode": "reference", "precision": "float32"})
    return rows


def run_in_subprocess(row: dict[str, Any], steps: int, max_seconds: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "nst_helpers.benchmark", "--one", row["architecture"], str(row["size"]),
               row["mode"], row["precision"], "--steps", str(steps), "--max-seconds", str(max_seconds)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {**row, "status": f"failed: {(done.stderr.strip().splitlines() or ['no output'])[-1][:200]}"}
    return json.loads(lines[-1])


def summarise(table: Any) -> Any:
    """Add each row's ratio to the reference and to eager float32 of the same architecture and size."""
    keys = ["architecture", "size"]
    reference = table[table["mode"] == "reference"].set_index(keys)["median_step_s"]
    eager = table[(table["mode"] == "eager") & (table["precision"] == "float32")].set_index(keys)["median_step_s"]
    index = table.set_index(keys).index
    table["ratio_to_reference"] = table["median_step_s"].values / reference.reindex(index).values
    table["ratio_to_eager_float32"] = table["median_step_s"].values / eager.reindex(index).values
    return table


def plot(table: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = table[table["status"] == "ok"].copy()
    done["config"] = done["mode"] + " " + done["precision"]
    groups = list(done.groupby(["architecture", "size"]))
    ncols = min(4, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4 * ncols, 4.2 * nrows), sharey=True, squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.axis("off")
    for ax, ((arch, size), group) in zip(axes.flat, groups):
        ax.bar(group["config"], group["median_step_s"], color=["grey" if m == "reference" else "C0" if p == "float32"
                                                                else "C1" for m, p in zip(group["mode"], group["precision"])])
        ax.set_title(f"{arch}, {size} px")
        ax.set_yscale("log")
        ax.tick_params(axis="x", rotation=70, labelsize=8)
    for row in axes:
        row[0].set_ylabel("median step (s), log scale")
    fig.suptitle("Step time by mode and precision (grey: the reference step; blue float32; orange mixed)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def markdown(table: Any, columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in table[columns].iterrows():
        cells = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goals(table: Any, quality: dict[str, Any]) -> list[str]:
    """The issue's goals for VGG19 at 512 px and 1024 px, checked against this run."""
    ok = table[table["status"] == "ok"]
    at = ok[(ok["architecture"] == "vgg19") & (ok["size"] == 512)].set_index(["mode", "precision"])["median_step_s"]
    lines = []
    if ("eager", "float32") in at.index:
        compiled = min(at.get(("function", "float32"), float("inf")), at.get(("xla", "float32"), float("inf")))
        ratio = compiled / at[("eager", "float32")]
        lines.append(f"compiled float32 / eager float32 (VGG19, 512 px): {ratio:.2f} (goal <= 0.55: {'met' if ratio <= 0.55 else 'not met'})")
        best = at.drop(("reference", "float32"), errors="ignore").min()
        ratio = best / at[("reference", "float32")]
        lines.append(f"best mode / reference (VGG19, 512 px): {ratio:.2f} (goal <= 0.3: {'met' if ratio <= 0.3 else 'not met'})")
    large = ok[(ok["architecture"] == "vgg19") & (ok["size"] >= 1024) & (ok["mode"] != "reference")]
    if len(large):
        peak = large["peak_memory_gib"].max()
        lines.append(f"peak memory, VGG19 at 1024 px: {peak:.2f} GiB (goal < 8 GiB: {'met' if peak < 8 else 'not met'})")
    if quality:
        lines.append(f"mixed vs float32 after {quality['steps']} steps: total loss differs by {quality['relative_difference']:.2%} "
                     f"(goal within 5%: {'met' if quality['relative_difference'] <= 0.05 else 'not met'})")
    return lines


def cpu_name() -> str:
    """The CPU's model name as Linux reports it ("unknown" elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def precision_choice(table: Any) -> list[str]:
    """What ``--precision auto`` picks on this machine, and each step's measured cost in both precisions.

    For every architecture, size and step mode measured in both precisions: the two medians and whether
    auto's choice was the faster one.
    """
    from .precision import choose_policy, cpu_bf16_flags

    policy, reason = choose_policy("auto")
    chosen = "mixed" if policy.startswith("mixed") else "float32"
    lines = [f"`--precision auto` chose {policy} here: {reason} (CPU: {cpu_name()}; bfloat16 flags: "
             f"{', '.join(cpu_bf16_flags()) or 'none'}).", "",
             "| architecture | size | step mode | float32 (s) | mixed (s) | auto's choice | fastest |", "|---|---|---|---|---|---|---|"]
    ok = table[(table["status"] == "ok") & (table["mode"] != "reference")]
    wins = []
    for (arch, size, mode), group in ok.groupby(["architecture", "size", "mode"], sort=False):
        times = group.set_index("precision")["median_step_s"]
        if {"float32", "mixed"} <= set(times.index):
            fastest = "float32" if times["float32"] <= times["mixed"] else "mixed"
            wins.append(fastest == chosen)
            lines.append(f"| {arch} | {size} | {mode} | {times['float32']:.3g} | {times['mixed']:.3g} | {chosen} | {fastest} |")
    if wins:
        lines += ["", f"auto's choice was the faster precision in {sum(wins)} of {len(wins)} measured configurations."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nst_helpers.benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--archs", nargs="+", default=["vgg16", "vgg19", "resnet50"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[256, 512])
    parser.add_argument("--large", nargs="*", type=int, default=[1024], help="VGG19 sizes timed for the memory goal")
    parser.add_argument("--steps", type=int, default=6, help="steps per configuration, the first one untimed")
    parser.add_argument("--max-seconds", type=float, default=15.0, help="stop timing a configuration after this")
    parser.add_argument("--quality-size", type=int, default=192)
    parser.add_argument("--quality-steps", type=int, default=200, help="0 skips the quality check")
    parser.add_argument("--out", default="results")
    parser.add_argument("--one", nargs=4, metavar=("ARCH", "SIZE", "MODE", "PRECISION"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:
        arch, size, mode, precision = args.one
        print(json.dumps(run_one(arch, int(size), mode, precision, args.steps, args.max_seconds)))
        return 0

    import pandas as pd

    from .environment import versions

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    emulated = emulated_bf16()
    rows = configurations(args.archs, args.sizes, args.large, emulated)
    results, start = [], time.perf_counter()
    for number, row in enumerate(rows, 1):
        result = row if "status" in row else run_in_subprocess(row, args.steps, args.max_seconds)
        results.append(result)
        timing = f"median {result['median_step_s']:.3f} s" if result.get("status") == "ok" else result.get("status")
        print(f"[{number}/{len(rows)} {time.perf_counter() - start:5.0f} s] {row['architecture']} {row['size']} px "
              f"{row['mode']} {row['precision']}: {timing}", flush=True)
    table = summarise(pd.DataFrame(results))
    table.to_csv(out / "bench.csv", index=False)
    plot(table, out / "bench.png")
    quality = quality_check(args.quality_size, args.quality_steps) if args.quality_steps else {}
    (out / "bench_quality.json").write_text(json.dumps(quality, indent=2) + "\n")
    info = versions()
    columns = ["architecture", "size", "mode", "precision", "policy", "first_step_s", "median_step_s",
               "peak_memory_gib", "ratio_to_reference", "ratio_to_eager_float32", "status"]
    report = [f"# Benchmark ({time.strftime('%Y-%m-%d')}, {cpu_name()}, {info['platform']}, TensorFlow {info['tensorflow']}, "
              f"{os.cpu_count()} CPUs{', bfloat16 emulated' if emulated else ''})", "",
              markdown(table, [c for c in columns if c in table]), "", *[f"- {line}" for line in goals(table, quality)],
              "", "## Precision on this machine", "", *precision_choice(table)]
    (out / "bench.md").write_text("\n".join(report) + "\n")
    print("\n".join(goals(table, quality)))
    print("\n".join(precision_choice(table)))
    print(f"wrote {out / 'bench.csv'}, {out / 'bench.png'}, {out / 'bench.md'} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
