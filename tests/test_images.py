"""images: loading, modes, EXIF, resizing, atomic saving, and every bad image input."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import MIN_SIDE, load_image, resize_long_side, to_rgb
from nst_helpers.plumbing.files import save_image


def gradient(width: int = 80, height: int = 60) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.uint8)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.uint8)[:, None].repeat(width, 1)
    return Image.fromarray(np.stack([x, y, 255 - x], -1), "RGB")


def test_load_gives_float_batch_in_unit_range_with_long_side(tmp_path):
    path = tmp_path / "g.png"
    gradient(80, 60).save(path)
    image = load_image(path, max_dim=64)
    assert image.dtype == np.float32 and image.shape == (1, 48, 64, 3)
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.max() > 0.9


def test_resize_keeps_aspect_ratio_and_enlarges_only_when_asked():
    image = gradient(300, 100)
    assert resize_long_side(image, 150).size == (150, 50)
    assert resize_long_side(image, 600).size == (300, 100)
    assert resize_long_side(image, 600, upscale=True).size == (600, 200)
    assert resize_long_side(image, None).size == (300, 100)


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("L", (128, 128, 128)),
        ("1", (255, 255, 255)),
        ("CMYK", None),
        ("P", None),
        ("RGBA", None),
    ],
)
def test_modes_become_rgb(mode, expected):
    source = (
        Image.new("L", (40, 40), 128)
        if mode == "L"
        else Image.new("1", (40, 40), 1)
        if mode == "1"
        else None
    )
    if source is None:
        source = gradient(40, 40).convert(mode)
    rgb = to_rgb(source)
    assert rgb.mode == "RGB" and rgb.size == (40, 40)
    if expected:
        assert rgb.getpixel((5, 5)) == expected


def test_transparency_is_composited_on_white():
    rgba = Image.new("RGBA", (40, 40), (255, 0, 0, 0))  # fully transparent red
    rgba.putpixel((0, 0), (255, 0, 0, 255))
    rgb = to_rgb(rgba)
    assert rgb.getpixel((10, 10)) == (255, 255, 255)
    assert rgb.getpixel((0, 0)) == (255, 0, 0)
    palette = Image.new("P", (40, 40), 0)
    palette.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    palette.info["transparency"] = 0
    assert to_rgb(palette).getpixel((3, 3)) == (255, 255, 255)
    assert to_rgb(Image.new("LA", (40, 40), (0, 0))).getpixel((1, 1)) == (255, 255, 255)


def test_sixteen_bit_images_are_scaled_not_clipped(tmp_path):
    array = np.full((40, 40), 32768, dtype=np.uint16)  # mid-gray in 16 bits
    path = tmp_path / "gray16.png"
    Image.fromarray(array).save(path)
    image = load_image(path, max_dim=None)
    assert image.shape == (1, 40, 40, 3)
    assert image[0, 0, 0, 0] == pytest.approx(0.5, abs=0.01)


def test_exif_orientation_is_honoured(tmp_path):
    image = gradient(80, 40)  # landscape pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": shown as portrait
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif)
    assert load_image(path, max_dim=None).shape == (1, 80, 40, 3)


def test_save_png_and_jpeg_round_trip_and_leave_no_temp_files(tmp_path):
    image = np.random.default_rng(0).random((1, 48, 64, 3)).astype(np.float32)
    save_image(image, tmp_path / "a.png")
    save_image(image, tmp_path / "a.jpg")
    back = load_image(tmp_path / "a.png", max_dim=None)
    assert np.abs(back - image).max() <= 0.5 / 255 + 1e-6
    assert load_image(tmp_path / "a.jpg", max_dim=None).shape == (1, 48, 64, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "a.png"]


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.png"
    save_image(np.zeros((1, 40, 40, 3), np.float32), path)
    before = path.read_bytes()

    def crash(self, fp, *args, **kwargs):
        with open(fp, "wb") as f:
            f.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", crash)
    with pytest.raises(NSTError, match="(?i)no space left"):
        save_image(np.ones((1, 40, 40, 3), np.float32), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]


def test_saving_nan_is_refused(tmp_path):
    image = np.zeros((1, 40, 40, 3), np.float32)
    image[0, 0, 0, 0] = np.nan
    with pytest.raises(NSTError, match="NaN"):
        save_image(image, tmp_path / "nan.png")
    assert not (tmp_path / "nan.png").exists()


def test_bad_save_suffix(tmp_path):
    with pytest.raises(NSTError, match=r"\.png, \.jpg"):
        save_image(np.zeros((1, 40, 40, 3), np.float32), tmp_path / "x.gif")


def one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path):
    with pytest.raises(NSTError, match="not found") as exc:
        load_image(tmp_path / "nope.jpg")
    one_line(exc)


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is text, not a JPEG")
    with pytest.raises(NSTError, match="not an image") as exc:
        load_image(path)
    one_line(exc)


def test_truncated_image(tmp_path):
    path = tmp_path / "cut.jpg"
    gradient(200, 200).save(path, quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(NSTError, match="damaged or truncated") as exc:
        load_image(path)
    one_line(exc)


def test_too_small_image(tmp_path):
    path = tmp_path / "tiny.png"
    gradient(MIN_SIDE - 1, 100).save(path)
    with pytest.raises(NSTError, match="at least 32 px") as exc:
        load_image(path)
    one_line(exc)


def test_decompression_bomb(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (12000, 12000)).save(path)  # 144 megapixels in a few kilobytes
    assert path.stat().st_size < 100_000
    with pytest.raises(NSTError, match="megapixel|decompression bomb") as exc:
        load_image(path)
    one_line(exc)


def test_url_offline_names_the_url():
    url = "https://example.org/paintings/starry.jpg"
    with pytest.raises(
        NSTError, match="cannot download https://example.org/paintings/starry.jpg"
    ) as exc:
        load_image(url)
    one_line(exc)


def test_shuffle_patches_keeps_pixels_and_moves_them():
    from nst_helpers.core.patches import shuffle_patches

    image = np.random.default_rng(0).random((1, 36, 50, 3)).astype(np.float32)
    shuffled = shuffle_patches(image, 8)
    assert shuffled.shape == (1, 32, 48, 3)
    cropped = image[:, :32, :48]
    np.testing.assert_array_equal(np.sort(shuffled.ravel()), np.sort(cropped.ravel()))
    assert not np.array_equal(shuffled, cropped)
    with pytest.raises(NSTError, match="patch=99"):
        shuffle_patches(image, 99)
