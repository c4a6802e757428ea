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
