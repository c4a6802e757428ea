"""`dreamvideo dream IMAGE -o OUT.png`: one image dreamt with a preset's dream settings."""

import cv2
import numpy as np

from dreamvideo.cli import main
from synthetic import textured_image


def test_dream_single_image(tmp_path, capsys):
    source = tmp_path / "in.png"
    cv2.imwrite(str(source), textured_image((56, 40), seed=4))
    preset = tmp_path / "p.yaml"
    preset.write_text("dream: {steps: 3, octaves: 2, objective: [{layer: block3_conv1}]}\nseed: 3\n")
    out = tmp_path / "out.png"
    assert main(["dream", str(source), "-o", str(out), "--preset", str(preset)]) == 0
    dreamt = cv2.imread(str(out))
    assert dreamt.shape == (40, 56, 3)
    assert np.abs(dreamt.astype(int) - cv2.imread(str(source)).astype(int)).mean() > 1

    assert main(["dream", str(source), "-o", str(out), "--preset", str(preset)]) == 2
    assert "pass --overwrite" in capsys.readouterr().err
    assert main(["dream", str(source), "-o", str(out), "--set", "dream.steps=1", "--overwrite"]) == 0


def test_dream_missing_image_is_one_line(tmp_path, capsys):
    assert main(["dream", str(tmp_path / "none.png"), "-o", str(tmp_path / "o.png")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_stylize_single_image_with_two_styles(tmp_path):
    content, style_a, style_b = tmp_path / "c.png", tmp_path / "a.png", tmp_path / "b.png"
    cv2.imwrite(str(content), textured_image((40, 32), seed=1))
    cv2.imwrite(str(style_a), textured_image((48, 48), seed=2)[:, :, ::-1])
    cv2.imwrite(str(style_b), np.tile(np.linspace(0, 255, 48, dtype=np.uint8)[None, :, None], (48, 1, 3)))
    out = tmp_path / "out.png"
    code = main(["stylize", str(content), str(style_a), str(style_b), "-o", str(out),
                 "--set", "style.iterations.first=8", "--set", "style.scale=0.1"])
    assert code == 0
    styled = cv2.imread(str(out))
    assert styled.shape == (32, 40, 3)
    assert np.abs(styled.astype(int) - cv2.imread(str(content)).astype(int)).mean() > 1


def write_photo(path, size=(64, 48), seed=4):
    cv2.imwrite(str(path), textured_image(size, seed=seed))
    return path


QUICK = ["--set", "dream.steps=2", "--set", "dream.octaves=2", "--set", "dream.design_width=48"]


def difference(a, b):
    return np.abs(cv2.imread(str(a)).astype(int) - cv2.imread(str(b)).astype(int)).mean()


def test_photo_defaults_and_strength(tmp_path, capsys):
    photo = write_photo(tmp_path / "in.png")
    outputs = {}
    for strength in ("0", "1", "2"):
        outputs[strength] = tmp_path / f"s{strength}.png"
        assert main(["dream", str(photo), "-o", str(outputs[strength]), "--strength", strength, *QUICK]) == 0
    assert cv2.imread(str(outputs["1"])).shape == (48, 64, 3)
    assert difference(photo, outputs["0"]) == 0  # strength 0: the photo unchanged
    assert difference(photo, outputs["2"]) > 1.5 * difference(photo, outputs["1"]) > 0
    assert main(["dream", str(photo), "-o", str(tmp_path / "x.png"), "--strength", "-1"]) == 2
    assert "--strength" in capsys.readouterr().err


def test_preset_size_does_not_resize_the_photo_unless_asked(tmp_path):
    photo = write_photo(tmp_path / "in.png")
    preset = tmp_path / "p.yaml"
    preset.write_text("output: {size: [32, 32]}\ndream: {steps: 1, first_frame_steps: 2}\n")
    kept, sized = tmp_path / "kept.png", tmp_path / "sized.png"
    assert main(["dream", str(photo), "-o", str(kept), "--preset", str(preset)]) == 0
    assert cv2.imread(str(kept)).shape == (48, 64, 3)
    assert main(["dream", str(photo), "-o", str(sized), "--size", "40x24", *QUICK]) == 0
    assert cv2.imread(str(sized)).shape == (24, 40, 3)


def test_a_photo_narrower_than_the_design_width_keeps_its_size(tmp_path):
    photo = write_photo(tmp_path / "in.png", (40, 30))
    out = tmp_path / "out.png"
    assert main(["dream", str(photo), "-o", str(out), "--set", "dream.steps=2",
                 "--set", "dream.design_width=64"]) == 0
    assert cv2.imread(str(out)).shape == (30, 40, 3) and difference(photo, out) > 1


def test_stylize_strength_zero_keeps_more_of_the_photo(tmp_path):
    content, style = write_photo(tmp_path / "c.png", (40, 32), 1), tmp_path / "a.png"
    cv2.imwrite(str(style), textured_image((48, 48), seed=2)[:, :, ::-1])
    quick = ["--set", "style.iterations.first=8", "--set", "style.scale=0.1"]
    weak, strong = tmp_path / "weak.png", tmp_path / "strong.png"
    assert main(["stylize", str(content), str(style), "-o", str(weak), "--strength", "0.05", *quick]) == 0
    assert main(["stylize", str(content), str(style), "-o", str(strong), "--strength", "4", *quick]) == 0
    assert difference(content, weak) < difference(content, strong)


def test_a_larger_photo_shows_the_same_structures_relative_to_the_frame():
    """Dreamt from a design width, a photo twice as wide shows, seen at the small size, the
    small photo's dream; dreamt at its own size (design width = its width) it does not."""
    from dreamvideo.config import parse_preset
    from dreamvideo.dreaming.dreamer import resize
    from dreamvideo.photo import PHOTO_DREAM, dream_picture

    small = textured_image((64, 48), seed=5)[:, :, ::-1].astype(np.float32)
    large = resize(small, (128, 96))

    def dreamt_change(picture, width):
        preset = parse_preset({"dream": {**PHOTO_DREAM, "steps": 4, "octaves": 2, "design_width": width}})
        change = dream_picture(picture, preset).astype(np.float32) - picture
        return cv2.resize(change, (64, 48), interpolation=cv2.INTER_AREA).ravel()

    reference = dreamt_change(small, 64)
    designed, own_size = dreamt_change(large, 64), dreamt_change(large, 128)
    assert np.corrcoef(reference, designed)[0, 1] > np.corrcoef(reference, own_size)[0, 1] + 0.2
