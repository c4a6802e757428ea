"""The docs stay in step with the code: the README's two commands (and what .ci/run extracts from
it), the presets reference against the pydantic schema (every key documented, every documented
key real, documented defaults the schema's), and relative links between the docs."""

from __future__ import annotations

import re
import subprocess
import types
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from dreamvideo.config import Keyframe, Preset
from dreamvideo.config.values import AudioDriven

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
REFERENCE = ROOT / "docs" / "presets.md"
TEST_COMMAND = ('python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && python3.11 -m venv .venv-bpy '
                '&& .venv-bpy/bin/pip install bpy==5.0.1 && .venv/bin/python -m pytest -q')
RENDER_COMMAND = ("python3 -m venv .venv && .venv/bin/pip install -e . && "
                  ".venv/bin/python -m dreamvideo render presets/quickstart.yaml")


# ----- the schema's keys -----------------------------------------------------------------------

def _models_in(annotation) -> list[type[BaseModel]]:
    """The config models an annotation can hold (through Optional, Union, list, tuple, Annotated);
    keyframes and driven values are the animatable-value syntax, documented once, not keys."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [] if annotation in (Keyframe, AudioDriven) else [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def _is_list(annotation) -> bool:
    origin = typing.get_origin(annotation)
    if origin is list:
        return True
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return any(_is_list(arg) for arg in typing.get_args(annotation))
    return False


def schema_fields(model: type[BaseModel] = Preset, prefix: str = "") -> dict[str, object]:
    """Every key path of the preset schema -> its pydantic field, items of lists as ``key[].field``;
    the keys of a value driven by a track, documented once, as ``driven.key``."""
    fields = {} if prefix else {f"driven.{name}": field for name, field in AudioDriven.model_fields.items()}
    for name, field in model.model_fields.items():
        key = prefix + name
        fields[key] = field
        for sub in _models_in(field.annotation):
            fields.update(schema_fields(sub, key + ("[]." if _is_list(field.annotation) else ".")))
    return fields


# ----- the reference's rows ------------------------------------------------------------------

def reference_rows() -> dict[str, list[str]]:
    """Key -> the cells of its row in docs/presets.md (rows of the form ``| `key` | ... |``)."""
    rows = {}
    for line in REFERENCE.read_text().splitlines():
        match = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if match:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if match.group(1) in rows:
                raise AssertionError(f"docs/presets.md documents {match.group(1)} twice")
            rows[match.group(1)] = cells
    return rows


def _schema_default(field):
    if field.default_factory is not None:
        return field.default_factory()
    return field.default


def _plain(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str)) or (
        isinstance(value, (list, tuple)) and all(_plain(item) for item in value))


def test_every_schema_key_is_in_the_reference():
    missing = sorted(set(schema_fields()) - set(reference_rows()))
    assert not missing, ("keys of the schema missing from docs/presets.md (add a row "
                         f"| `key` | type | default | meaning |): {missing}")


def test_every_documented_key_exists():
    unknown = sorted(set(reference_rows()) - set(schema_fields()))
    assert not unknown, f"docs/presets.md documents keys the schema does not have: {unknown}"


def test_documented_defaults_are_the_schemas():
    rows, wrong = reference_rows(), []
    for key, field in schema_fields().items():
        if key not in rows:
            continue  # reported by test_every_schema_key_is_in_the_reference
        cell = rows[key][2]
        if field.default is PydanticUndefined and field.default_factory is None:
            if cell != "required":
                wrong.append(f"{key}: documented {cell!r}, but it is required")
            continue
        default = _schema_default(field)
        if not _plain(default):
            continue  # a section or a list of mappings: described in words
        default = [str(v) for v in default] if isinstance(default, (list, tuple)) else default
        documented = re.fullmatch(r"`(.*)`", cell)
        value = yaml.safe_load(documented.group(1)) if documented else cell
        if isinstance(default, Path) or key.endswith(".path"):
            default = str(default)
        if isinstance(value, list):
            value = [str(v) for v in value]
        if value != default and not (isinstance(default, float) and value == pytest.approx(default)):
            wrong.append(f"{key}: documented {cell}, schema default {default!r}")
    assert not wrong, "docs/presets.md defaults differ from the schema: " + "; ".join(wrong)


def test_schema_walk_reaches_nested_and_list_keys():
    keys = schema_fields()
    for key in ("dream.steps", "dream.objective[].neuron.x", "style.images[].weight", "style.iterations.next",
                "source.blender.mask.feather_px", "segments.overlap", "seed"):
        assert key in keys
    assert not any(key.startswith("dream.step_size.") for key in keys)  # keyframes are values, not keys


# ----- README ---------------------------------------------------------------------------------

def _block(text: str, marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n```bash\n(.*?)\n```\n<!-- /{marker} -->", text, re.S)
    assert match, f"README.md has no ```bash block between <!-- {marker} --> markers"
    return match.group(1)


def test_readme_has_both_commands_verbatim():
    text = README.read_text()
    assert _block(text, "render-command") == RENDER_COMMAND
    assert _block(text, "test-command") == TEST_COMMAND


def test_ci_extracts_the_test_command():
    """.ci/run's own extraction (its sed/grep line, run here) yields exactly the test command."""
    ci = (ROOT / ".ci" / "run").read_text()
    line = next(line for line in ci.splitlines() if line.startswith("command=$("))
    extraction = line[len("command=$("):-1]
    result = subprocess.run(["bash", "-c", extraction], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == TEST_COMMAND


def test_readme_is_a_front_door():
    assert len(README.read_text().splitlines()) <= 260


def test_readme_and_docs_links_resolve():
    broken = []
    for page in [README, *sorted((ROOT / "docs").rglob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+://", target) or target.startswith("#"):
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            if not path.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, f"links to missing files: {broken}"


def test_the_reference_example_is_a_valid_preset():
    from dreamvideo.config import parse_preset

    example = REFERENCE.read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    preset = parse_preset(yaml.safe_load(example))
    assert preset.effect == "dream_zoom" and len(preset.dream.objective) == 2


def test_presets_named_in_the_docs_exist():
    named = set()
    for page in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        named |= set(re.findall(r"\bpresets/[\w.-]+\.yaml\b", page.read_text()))
    missing = sorted(name for name in named if not (ROOT / name).is_file())
    assert named and not missing, f"presets named in the docs but not shipped: {missing}"
