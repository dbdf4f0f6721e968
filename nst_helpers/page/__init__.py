"""The playground page (notebook 09, make app): a visitor's request checked, run and shown."""

HOST, PORT = "127.0.0.1", 7860
"""Where ``make app`` serves the page: this machine only, Gradio's usual port."""
