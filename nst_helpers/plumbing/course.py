"""Where the course lives on GitHub: the one place for its public path.

``make colab REPO=owner/name`` (``scripts/colab.py``) rewrites this line and regenerates every Colab
badge and notebook setup cell from it; a test checks that they agree.
"""

REPOSITORY = "OWNER/nst-course"
"""owner/name of the course's GitHub repository (not published yet: replace with make colab)."""

COLAB_BASE = f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks"
