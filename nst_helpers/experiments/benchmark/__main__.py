"""make bench: python -m nst_helpers.experiments.benchmark --out results."""

from nst_helpers.experiments.benchmark import main

raise SystemExit(main())
