"""The playground page (notebook 09, make app): a visitor's request checked, run and shown."""
