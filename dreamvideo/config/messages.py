"""Pydantic validation errors as one line: ``key.path: what is allowed, got X``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError


_TYPE_LABELS = {"float", "int", "str", "list", "tuple", "dict", "bool"}
_TYPE_MISMATCH = {"float_type", "float_parsing", "int_type", "int_parsing", "list_type", "tuple_type",
                  "is_instance_of", "path_type", "model_type", "dict_type", "string_type"}


def _loc(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not str(part).isidentifier() or not str(part).islower() or part in _TYPE_LABELS:
            continue  # pydantic's labels of union branches, not keys
        else:
            text += ("." if text else "") + str(part)
    return text or "preset"


def _describe(error: dict) -> str:
    kind, ctx, got = error["type"], error.get("ctx", {}), error.get("input")
    shown = repr(got) if isinstance(got, str) else got
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[kind]
        bound = next(iter(ctx.values()))
        return f"must be {op} {bound}, got {shown}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {shown}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {shown!s:.60}"


def format_validation_error(err: ValidationError, root: type[BaseModel] | None = None) -> str:
    """One line per the most specific error: ``key.path: what is allowed, got X``."""
    errors = err.errors(include_url=False)
    best = _most_specific(errors)
    line = f"{_loc(best['loc'])}: {_describe(best)}"
    if best["type"] == "extra_forbidden":
        line += _allowed_keys_hint(best["loc"], root)
    return line


def _most_specific(errors: list[dict]) -> dict:
    # Each union branch reports an error: prefer a real complaint over "wrong type for this
    # branch", then the one that got deepest into the structure.
    return max(errors, key=lambda e: (e["type"] not in _TYPE_MISMATCH, e["type"] != "missing", len(e["loc"])))


def _allowed_keys_hint(loc: tuple, root: type[BaseModel] | None) -> str:
    model: Any = root
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return ""
        model = _model_of(field.annotation)
        if model is None:
            return ""
    keys = getattr(model, "model_fields", None)
    return f"; allowed: {', '.join(keys)}" if keys else ""


def _model_of(annotation) -> type | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None

