"""Paint images/style/swirls.png: short brush strokes that follow a field of vortices.

A style image made by the project itself (CC0), so the repository ships one painting-like style
whose license is beyond doubt. Run: python scripts/make_swirls.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 512
PALETTE = [
    (18, 38, 92),
    (32, 74, 150),
    (70, 120, 190),
    (120, 170, 220),
    (235, 205, 80),
    (250, 235, 160),
    (20, 60, 70),
]


def flow_angle(x: np.ndarray, y: np.ndarray, vortices: np.ndarray) -> np.ndarray:
    """Direction of a flow made of a few vortices plus a gentle drift to the right."""
    vx, vy = np.full_like(x, 0.3), np.zeros_like(y)
    for cx, cy, strength in vortices:
        dx, dy = x - cx, y - cy
        r2 = dx * dx + dy * dy + 400.0
        vx += -strength * dy / r2 * 60
        vy += strength * dx / r2 * 60
    return np.arctan2(vy, vx)


def paint(seed: int = 1889) -> Image.Image:
    rng = np.random.default_rng(seed)
    vortices = np.column_stack(
        [
            rng.uniform(0, SIZE, 6),
            rng.uniform(0, SIZE, 6),
            rng.choice([-1, 1], 6) * rng.uniform(1, 3, 6),
        ]
    )
    canvas = Image.new("RGB", (SIZE, SIZE), PALETTE[0])
    draw = ImageDraw.Draw(canvas)
    for _ in range(9000):
        x, y = rng.uniform(0, SIZE, 2)
        color = np.array(PALETTE[rng.integers(len(PALETTE))]) + rng.integers(-15, 16, 3)
        points = [(x, y)]
        for _ in range(rng.integers(4, 10)):
            angle = flow_angle(np.array([x]), np.array([y]), vortices)[0]
            x, y = x + 4 * np.cos(angle), y + 4 * np.sin(angle)
            points.append((x, y))
        draw.line(
            points,
            fill=tuple(int(c) for c in np.clip(color, 0, 255)),
            width=int(rng.integers(2, 6)),
        )
    return canvas.filter(ImageFilter.SMOOTH)


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "images" / "style" / "swirls.png"
    paint().save(out, optimize=True)
    print(f"wrote {out}")
