"""make bench's report: which precision auto chose, and whether it was the fastest measured."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.parametrize(
    "flags, chosen", [({"avx2", "avx512_bf16"}, "float32"), ({"avx512_bf16", "amx_bf16"}, "mixed")]
)
def test_precision_choice_reports_the_choice_and_the_fastest(monkeypatch, flags, chosen):
    from nst_helpers.core import precision
    from nst_helpers.experiments.benchmark import report as bench_report

    monkeypatch.setattr(precision, "gpu_compute_capabilities", lambda: [])
    monkeypatch.setattr(precision, "cpu_flags", lambda: set(flags))
    rows = [
        ("function", "float32", 1.27),
        ("function", "mixed", 1.82),
        ("eager", "float32", 2.69),
        ("eager", "mixed", 3.26),
        ("reference", "float32", 1.5),
    ]
    table = pd.DataFrame(
        [
            {
                "architecture": "vgg19",
                "size": 512,
                "mode": m,
                "precision": p,
                "median_step_s": t,
                "status": "ok",
            }
            for m, p, t in rows
        ]
    )
    lines = bench_report.precision_choice(table)
    assert lines[0].startswith(
        f"`--precision auto` chose {'float32' if chosen == 'float32' else 'mixed_bfloat16'} here"
    )
    assert f"| vgg19 | 512 | function | 1.27 | 1.82 | {chosen} | float32 |" in lines
    wins = 2 if chosen == "float32" else 0
    assert (
        lines[-1]
        == f"auto's choice was the faster precision in {wins} of 2 measured configurations."
    )
