"""The framework loader: good files import, and every kind of bad file is refused whole."""

import copy
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from tests.conftest import FRAMEWORK_FIXTURES
from tracker.extensions import db
from tracker.frameworks.loader import FrameworkFileError, read
from tracker.frameworks.operations import import_framework
from tracker.models import Framework, Item, ScaleLevel, Section
from tracker.seeding import SEEDS

VALID = yaml.safe_load((FRAMEWORK_FIXTURES / "valid.yaml").read_text())


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _write(tmp_path: Path, data, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True))
    return path


def _mutated(change) -> dict:
    data = copy.deepcopy(VALID)
    change(data)
    return data


def _set(path: list, value):
    def change(data):
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _delete(path: list):
    def change(data):
        target = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


@pytest.mark.parametrize("seed_file", sorted((SEEDS / "frameworks").glob("*.yaml")), ids=str)
def test_each_shipped_framework_imports(seed_file):
    framework = import_framework(seed_file)
    assert framework.items, "a framework with no items"
    assert framework.title["en"] and framework.title.get("cy"), "titles in English and Welsh"
    assert framework.scale_values == sorted(framework.scale_values)
    assert framework.required_from in framework.scale_values


def test_shipped_frameworks_cover_design():
    by_key = {
        f.key: f for f in map(import_framework, sorted((SEEDS / "frameworks").glob("*.yaml")))
    }
    assert set(by_key) == {"cprr-2023", "smm", "jicpa-2024"}
    assert {f"R{n}" for n in range(1, 15)} <= {i.key for i in by_key["cprr-2023"].items}
    assert len(by_key["jicpa-2024"].items) == 8
    assert len(by_key["smm"].scale) == 5
    assert "illustrative" in by_key["smm"].description["en"]
    assert by_key["cprr-2023"].level(2).rag == "amber"
    assert [lvl.rag for lvl in by_key["cprr-2023"].scale] == [
        "red",
        "red",
        "amber",
        "green",
        "green",
    ]


def test_valid_file_is_imported_with_its_structure():
    framework = import_framework(FRAMEWORK_FIXTURES / "valid.yaml")
    assert (framework.key, framework.version) == ("test-framework", 1)
    assert [s.key for s in framework.sections] == ["first", "second"]
    assert [i.key for i in framework.items] == ["A1", "A2", "B1"]
    a1 = framework.items[0]
    assert a1.descriptor_for(3) == "Audits show thresholds applied consistently."
    assert a1.descriptor_for(0) == "Nothing yet."  # falls back to the scale's descriptor
    assert framework.level(0).label_in("cy") == "Heb ddechrau"
    assert framework.level(1).label_in("cy") == "Planned"  # English where no Welsh is given


BAD_FILES = {
    "duplicate item key": (
        _set(["sections", 1, "items", 0, "key"], "A1"),
        "sections[1].items[0].key",
        "duplicate key 'A1'",
    ),
    "duplicate section key": (
        _set(["sections", 1, "key"], "first"),
        "sections[1].key",
        "duplicate key 'first'",
    ),
    "scale not ordered": (
        _set(["scale", 2, "value"], 1),
        "scale[2].value",
        "not ordered",
    ),
    "level outside the scale": (
        _set(["sections", 0, "items", 1, "levels"], {7: {"en": "Beyond the scale"}}),
        "sections[0].items[1].levels.7",
        "not a value on the scale",
    ),
    "missing English text": (
        _set(["sections", 0, "items", 1, "text"], {"cy": "Dim ond Cymraeg"}),
        "sections[0].items[1].text.en",
        "English text is missing",
    ),
    "missing English title": (
        _set(["title"], {"cy": "Teitl"}),
        "title.en",
        "English text is missing",
    ),
    "required_from outside the scale": (
        _set(["triangulation", "required_from"], 9),
        "triangulation.required_from",
        "not a value on the scale",
    ),
    "unknown key": (
        _set(["sections", 0, "items", 0, "colour"], "blue"),
        "sections[0].items[0].colour",
        "unknown key",
    ),
    "missing items": (
        _delete(["sections", 1, "items"]),
        "sections[1].items",
        "is missing",
    ),
    "unknown organisation kind": (
        _set(["applies_to"], ["rsb", "school"]),
        "applies_to[1]",
        "not an organisation kind",
    ),
    "unknown framework kind": (_set(["kind"], "checklist"), "kind", "should be one of"),
    "bad rag": (_set(["scale", 0, "rag"], "purple"), "scale[0].rag", "should be one of"),
    "version not a number": (_set(["version"], "two"), "version", "whole number"),
    "scale of one level": (
        _set(["scale"], [VALID["scale"][0]]),
        "scale",
        "at least two levels",
    ),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_file_is_refused_with_file_path_and_reason(tmp_path, name):
    change, where, what = BAD_FILES[name]
    path = _write(tmp_path, _mutated(change), name=f"{name.replace(' ', '-')}.yaml")
    with pytest.raises(FrameworkFileError) as refused:
        import_framework(path)
    message = str(refused.value)
    assert str(path) in message
    assert f": {where}: " in message
    assert what in message
    assert (_count(Framework), _count(Section), _count(Item), _count(ScaleLevel)) == (0, 0, 0, 0)


def test_duplicate_yaml_key_is_refused_with_its_line(tmp_path):
    text = (
        (FRAMEWORK_FIXTURES / "valid.yaml")
        .read_text()
        .replace("kind: progress", "kind: progress\nkind: maturity")
    )
    path = _write(tmp_path, text)
    with pytest.raises(FrameworkFileError, match=r"line \d+.*duplicate key 'kind'"):
        import_framework(path)
    assert _count(Framework) == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("key: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "should be a mapping"),
        ("", "should be a mapping"),
    ],
)
def test_unreadable_documents_are_refused(tmp_path, text, expected):
    with pytest.raises(FrameworkFileError, match=expected):
        read(_write(tmp_path, text))


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(FrameworkFileError, match="file not found"):
        read(tmp_path / "nowhere.yaml")


def test_all_problems_are_reported_at_once(tmp_path):
    data = _mutated(_set(["kind"], "checklist"))
    data["sections"][0]["items"][0]["theme"] = {"cy": "thema"}
    with pytest.raises(FrameworkFileError) as refused:
        read(_write(tmp_path, data))
    paths = [p for p, _ in refused.value.problems]
    assert "kind" in paths and "sections[0].items[0].theme.en" in paths


def test_same_version_twice_is_refused_and_new_version_kept_apart(tmp_path):
    first = import_framework(FRAMEWORK_FIXTURES / "valid.yaml")
    with pytest.raises(FrameworkFileError, match="give the file version 2"):
        import_framework(FRAMEWORK_FIXTURES / "valid.yaml")
    second_data = _mutated(_set(["version"], 2))
    second_data["sections"][0]["items"][0]["text"] = {"en": "Reworded in version 2."}
    second = import_framework(_write(tmp_path, second_data, "v2.yaml"))
    assert second.id != first.id
    db.session.expire_all()
    assert first.items[0].text == {"en": "Thresholds are understood."}  # old version untouched
    assert second.items[0].text == {"en": "Reworded in version 2."}


@pytest.mark.parametrize(
    "change, where, what",
    [
        (_set(["version"], 3_000_000_000), "version", "too large"),
        (_set(["triangulation", "min_kinds"], 10**20), "triangulation.min_kinds", "too large"),
        (_set(["triangulation", "required_from"], True), "triangulation.required_from", "whole"),
        (_set(["triangulation", "required_from"], 2.0), "triangulation.required_from", "whole"),
        (
            _set(["sections", 0, "items", 0, "levels"], {True: {"en": "x"}}),
            "sections[0].items[0].levels.True",
            "should be a whole number",
        ),
        (
            _set(["sections", 0, "items", 0, "levels"], {"3": {"en": "x"}}),
            "sections[0].items[0].levels.3",
            "'3' should be a whole number",
        ),
        (_set(["sections", 0, "items", 0, "key"], "A1\n"), "sections[0].items[0].key", "short key"),
    ],
    ids=[
        "huge version",
        "huge min_kinds",
        "bool required_from",
        "float required_from",
        "bool level",
        "text level",
        "key with newline",
    ],
)
def test_values_that_would_break_the_database_are_refused(tmp_path, change, where, what):
    with pytest.raises(FrameworkFileError) as refused:
        import_framework(_write(tmp_path, _mutated(change)))
    assert f": {where}: " in str(refused.value) and what in str(refused.value)
    assert _count(Framework) == 0


@pytest.mark.parametrize(
    "text, what",
    [
        ("? [1, 2]\n: x\n", "a key must be plain text or a number"),
        ("{[1]: x}\n", "a key must be plain text or a number"),
        ("key: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
    ids=["complex key", "flow complex key", "deep nesting"],
)
def test_hostile_yaml_gets_a_named_refusal(tmp_path, text, what):
    with pytest.raises(FrameworkFileError, match=what):
        read(_write(tmp_path, text))
