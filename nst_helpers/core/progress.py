"""Live progress for the optimization loop (taught in notebook 05): callbacks for ``stylize``, called
as ``callback(step, image, losses)`` every N steps and closed when the run ends."""

from __future__ import annotations

import io
from typing import Any, Mapping

from PIL import Image
from tqdm.auto import tqdm

from nst_helpers.core.images import to_uint8


class ProgressBar:
    """A tqdm bar (a text bar in a terminal, a widget in a notebook) with the current losses (notebook 05)."""

    def __init__(self, total_steps: int, description: str = "stylizing", **options: Any) -> None:
        self.bar = tqdm(total=total_steps, desc=description, unit="step", **options)  # tqdm's

    def __call__(self, step: int, image: Any, losses: Mapping[str, float]) -> None:
        self.bar.update(step - self.bar.n)
        terms = ("total", "content", "style", "tv")
        self.bar.set_postfix({name: f"{losses[name]:.3g}" for name in terms})

    def close(self) -> None:
        self.bar.close()


class NotebookProgress(ProgressBar):
    """The bar plus the current image, redrawn in place in a notebook output (notebook 05)."""

    def __init__(self, total_steps: int, description: str = "stylizing", width: int = 384) -> None:
        from IPython.display import DisplayHandle

        super().__init__(total_steps, description)
        self.width = width
        self.handle = DisplayHandle()
        self.shown = False

    def __call__(self, step: int, image: Any, losses: Mapping[str, float]) -> None:
        from IPython.display import Image as IPythonImage

        super().__call__(step, image, losses)
        buffer = io.BytesIO()
        Image.fromarray(to_uint8(image)).save(buffer, format="PNG")
        picture = IPythonImage(data=buffer.getvalue(), width=self.width)
        if self.shown:
            self.handle.update(picture)
        else:
            self.handle.display(picture)
            self.shown = True
