"""Read and validate a framework YAML file (DESIGN §4) before anything is imported.

Every problem is reported with the file, the path inside it (`sections[2].items[0].key`) and
what is wrong, and all problems are collected so an author can fix a file in one pass.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from tracker.models.frameworks import FRAMEWORK_KINDS, RAG
from tracker.models.organisations import ORGANISATION_KINDS

LANGUAGES = ("en", "cy")
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")  # used with fullmatch
MAX_INT = 2**31 - 1  # what a database integer column holds
TOP_KEYS = {
    "key",
    "version",
    "title",
    "description",
    "kind",
    "applies_to",
    "scale",
    "triangulation",
    "sections",
}
REQUIRED_TOP = TOP_KEYS - {"description"}


class FrameworkFileError(Exception):
    """A framework file that cannot be imported, with every problem found in it."""

    def __init__(self, filename: str, problems: list[tuple[str, str]]):
        self.filename = filename
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(
            f"{self.filename}: {path or '(top)'}: {msg}" for path, msg in self.problems
        )


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a framework file must not."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be plain text or a number", key_node.start_mark
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen[key] = True
        return super().construct_mapping(node, deep=deep)


@dataclass
class _Checker:
    problems: list

    def add(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def mapping(self, value, path: str, allowed: set, required: set) -> bool:
        if not isinstance(value, dict):
            self.add(path, "should be a mapping of keys to values")
            return False
        for key in sorted(set(value) - allowed, key=str):
            self.add(_join(path, key), f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for key in sorted(required - set(value)):
            self.add(_join(path, key), "is missing")
        return True

    def text(self, value, path: str, required: bool = True) -> None:
        """A text in English and optionally Welsh: {en: ..., cy: ...}."""
        if value is None and not required:
            return
        if not isinstance(value, dict):
            self.add(path, "should be a mapping of language to text, e.g. {en: ..., cy: ...}")
            return
        for lang in value:
            if lang not in LANGUAGES:
                self.add(_join(path, lang), "unknown language (use en or cy)")
            elif not isinstance(value[lang], str):
                self.add(_join(path, lang), "should be text")
        if not (isinstance(value.get("en"), str) and value["en"].strip()):
            self.add(_join(path, "en"), "English text is missing")

    def integer(self, value, path: str, minimum: int | None = None) -> bool:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "should be a whole number")
            return False
        if abs(value) > MAX_INT:
            self.add(path, f"is too large (at most {MAX_INT})")
            return False
        if minimum is not None and value < minimum:
            self.add(path, f"should be at least {minimum}")
            return False
        return True

    def key(self, value, path: str, seen: dict) -> None:
        if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
            self.add(path, "should be a short key of letters, digits, '-', '_' or '.'")
        elif value in seen:
            self.add(path, f"duplicate key {value!r} (first used at {seen[value]})")
        else:
            seen[value] = path


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def _check_scale(check: _Checker, scale) -> list[int]:
    if not isinstance(scale, list) or len(scale) < 2:
        check.add("scale", "should be a list of at least two levels, lowest first")
        return []
    values: list[int] = []
    for i, level in enumerate(scale):
        path = f"scale[{i}]"
        if not check.mapping(
            level, path, {"value", "label", "rag", "descriptor"}, {"value", "label", "rag"}
        ):
            continue
        check.text(level.get("label"), f"{path}.label")
        check.text(level.get("descriptor"), f"{path}.descriptor", required=False)
        if "rag" in level and level["rag"] not in RAG:
            check.add(f"{path}.rag", f"should be one of {', '.join(RAG)}")
        if "value" in level and check.integer(level["value"], f"{path}.value"):
            value = level["value"]
            if values and value <= values[-1]:
                check.add(
                    f"{path}.value",
                    f"the scale is not ordered: {value} comes after {values[-1]} "
                    "(list levels lowest first, each value once)",
                )
            values.append(value)
    return values


def _check_sections(check: _Checker, sections, scale_values: list[int]) -> None:
    if not isinstance(sections, list) or not sections:
        check.add("sections", "should be a list of at least one section")
        return
    section_keys: dict = {}
    item_keys: dict = {}
    for s, section in enumerate(sections):
        path = f"sections[{s}]"
        if not check.mapping(section, path, {"key", "title", "items"}, {"key", "title", "items"}):
            continue
        check.key(section.get("key"), f"{path}.key", section_keys)
        check.text(section.get("title"), f"{path}.title")
        items = section.get("items")
        if not isinstance(items, list) or not items:
            check.add(f"{path}.items", "should be a list of at least one item")
            continue
        for i, item in enumerate(items):
            _check_item(check, item, f"{path}.items[{i}]", item_keys, scale_values)


def _check_item(check: _Checker, item, path: str, seen: dict, scale_values: list[int]) -> None:
    allowed = {"key", "theme", "text", "guidance", "levels"}
    if not check.mapping(item, path, allowed, {"key", "theme", "text"}):
        return
    check.key(item.get("key"), f"{path}.key", seen)
    check.text(item.get("theme"), f"{path}.theme")
    check.text(item.get("text"), f"{path}.text")
    check.text(item.get("guidance"), f"{path}.guidance", required=False)
    levels = item.get("levels")
    if levels is None:
        return
    if not isinstance(levels, dict):
        check.add(f"{path}.levels", "should map scale values to descriptors, e.g. {3: {en: ...}}")
        return
    for value, text in levels.items():
        level_path = f"{path}.levels.{value}"
        if isinstance(value, bool) or not isinstance(value, int):
            check.add(level_path, f"{value!r} should be a whole number from the scale")
        elif value not in scale_values:
            check.add(level_path, f"{value} is not a value on the scale ({scale_values})")
        check.text(text, level_path)


def validate(data, filename: str) -> dict:
    """Check a parsed framework document; return it, or raise FrameworkFileError."""
    check = _Checker([])
    if not check.mapping(data, "", TOP_KEYS, REQUIRED_TOP):
        raise FrameworkFileError(filename, check.problems)
    if "key" in data:
        check.key(data["key"], "key", {})
    if "version" in data:
        check.integer(data["version"], "version", minimum=1)
    if "title" in data:
        check.text(data["title"], "title")
    check.text(data.get("description"), "description", required=False)
    if "kind" in data and data["kind"] not in FRAMEWORK_KINDS:
        check.add("kind", f"should be one of {', '.join(FRAMEWORK_KINDS)}")
    applies_to = data.get("applies_to")
    if "applies_to" in data:
        if not isinstance(applies_to, list) or not applies_to:
            check.add("applies_to", "should be a list of organisation kinds")
        else:
            for i, kind in enumerate(applies_to):
                if kind not in ORGANISATION_KINDS:
                    check.add(f"applies_to[{i}]", f"{kind!r} is not an organisation kind")
    scale_values = _check_scale(check, data.get("scale")) if "scale" in data else []
    triangulation = data.get("triangulation")
    keys = {"min_kinds", "min_sources", "required_from"}
    if "triangulation" in data and check.mapping(triangulation, "triangulation", keys, keys):
        for name in ("min_kinds", "min_sources"):
            if name in triangulation:
                check.integer(triangulation[name], f"triangulation.{name}", minimum=1)
        required_from = triangulation.get("required_from")
        if (
            "required_from" in triangulation
            and check.integer(required_from, "triangulation.required_from")
            and required_from not in scale_values
        ):
            check.add(
                "triangulation.required_from",
                f"{required_from!r} is not a value on the scale ({scale_values})",
            )
    if "sections" in data:
        _check_sections(check, data["sections"], scale_values)
    if check.problems:
        raise FrameworkFileError(filename, check.problems)
    return data


def parse(text: str, filename: str) -> dict:
    """Parse and validate a framework document given as text (an upload, or a file's
    contents); raise FrameworkFileError naming what is wrong."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except RecursionError:
        raise FrameworkFileError(
            filename, [("", "is nested too deeply to be a framework")]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrameworkFileError(filename, [(where, f"not valid YAML: {problem}")]) from None
    return validate(data, filename)


def read(path: str | Path) -> dict:
    """Parse and validate a framework file; raise FrameworkFileError naming what is wrong."""
    path = Path(path)
    filename = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FrameworkFileError(filename, [("", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkFileError(filename, [("", f"cannot be read: {exc}")]) from None
    return parse(text, filename)
