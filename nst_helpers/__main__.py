"""``python -m nst_helpers``: the command line (see nst_helpers.cli.main)."""

from nst_helpers.cli.main import main

raise SystemExit(main())
