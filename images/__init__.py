"""The course's shipped images, installed with the package as ``nst_images`` (found by
``nst_helpers.sources`` through ``importlib.resources``). Sources and licenses: README.md here."""
