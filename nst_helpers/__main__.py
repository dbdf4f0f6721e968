"""``python -m nst_helpers``: the command line (see nst_helpers.cli)."""

from .cli import main

raise SystemExit(main())
