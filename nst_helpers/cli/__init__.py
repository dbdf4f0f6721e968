"""The command line: python -m nst_helpers (make demo)."""
