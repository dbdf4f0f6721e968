"""make reproduce: notebooks 06 and 07 executed with papermill, their tables and figures in a report."""

from __future__ import annotations

import os

import matplotlib
import pandas as pd
import pytest
from test_notebooks import NO_NETWORK, TINY

from nst_helpers.core.errors import NSTError
from nst_helpers.experiments import reproduce

matplotlib.use("Agg")


def test_keep_writes_tables_and_figures_and_nothing_without_a_folder(tmp_path):
    import matplotlib.pyplot as plt

    table = pd.DataFrame({"network": ["a"], "style_ratio": [0.123456]}).set_index("network")
    fig, _ = plt.subplots()
    reproduce.keep(table, "06_t", tmp_path / "out")
    reproduce.keep(fig, "06_f", tmp_path / "out")
    reproduce.keep(table, "06_t", None)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["06_f.png", "06_t.csv"]
    assert reproduce.markdown_table(tmp_path / "out" / "06_t.csv").splitlines() == [
        "| network | style_ratio |",
        "|---|---|",
        "| a | 0.1235 |",
    ]
    long = pd.DataFrame({"step": range(reproduce.REPORT_ROWS + 1)})
    reproduce.keep(long, "06_long", tmp_path / "out")
    assert (tmp_path / "out" / "06_long.csv").read_text().startswith("step\n0\n")  # no row numbers
    assert reproduce.markdown_table(tmp_path / "out" / "06_long.csv") == (
        f"{reproduce.REPORT_ROWS + 1} rows: see `06_long.csv`."
    )
    with pytest.raises(NSTError, match="pass a pandas table or a figure"):
        reproduce.keep([1, 2], "06_x", tmp_path / "out")


@pytest.fixture
def tiny_quick(monkeypatch):
    for name, value in NO_NETWORK.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "2")  # main sets 1; monkeypatch puts it back after
    monkeypatch.setattr(reproduce, "QUICK", {name: TINY[name] for name in reproduce.NOTEBOOKS})


def test_one_command_writes_the_report(tmp_path, tiny_quick, capsys):
    notebook = "06_comparing_architectures"
    assert reproduce.main(["--quick", "--only", notebook, "--out", str(tmp_path)]) == 0
    report = (tmp_path / "REPORT.md").read_text()
    for table in ("06_costs", "06_quality_trained", "06_quality_random", "06_baselines"):
        assert f"### {table}\n\n| network" in report or f"### {table}\n\n| image" in report
        assert (tmp_path / f"{table}.csv").is_file()
    assert "![06_outputs](06_outputs.png)" in report and (tmp_path / "06_outputs.png").is_file()
    assert "- CPU: " in report and "- tensorflow: " in report
    assert (tmp_path / f"{notebook}.ipynb").is_file()
    assert "wrote" in capsys.readouterr().out
    assert os.environ["TF_NUM_INTEROP_THREADS"] == "1"  # what the kernels ran with


def test_a_failing_notebook_is_one_line_naming_the_cell(tmp_path, tiny_quick, monkeypatch, capsys):
    notebook = "06_comparing_architectures"
    monkeypatch.setitem(reproduce.QUICK, notebook, {**TINY[notebook], "MAX_DIM": 8})
    assert reproduce.main(["--quick", "--only", notebook, "--out", str(tmp_path)]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: {notebook} failed in cell ") and "\n" not in error
    assert "each side must be at least 32 px" in error and str(tmp_path) in error
    assert not (tmp_path / "REPORT.md").exists()
