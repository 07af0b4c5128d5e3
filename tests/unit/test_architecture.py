"""The code's shape (STYLE.md conventions 2, 3, 11 and 12), checked by reading every module.

Each area is a package under tracker/ (review, assessments, api, …); a module directly in
tracker/ (clock, rules, access, …) is shared vocabulary. An area may use another area's queries
and public operations, never its private names, its views or a `service` module; no module is
longer than a reader takes in at one sitting; and only tracker/clock.py reads the system clock.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRACKER = ROOT / "tracker"
MAX_LINES = 400

# The app factory registers every area's blueprint, which lives in its views.
MAY_IMPORT_VIEWS = {"tracker/__init__.py"}


def modules(*roots: Path) -> list[Path]:
    return sorted(
        path for root in roots for path in root.rglob("*.py") if "migrations" not in path.parts
    )


def owner(dotted: str) -> str:
    """Who owns a module: its package directly under tracker (`tracker.review`), or the
    module itself when it sits in tracker/ proper (`tracker.clock`)."""
    parts = dotted.split(".")
    if len(parts) >= 2 and (TRACKER / parts[1]).is_dir():
        return ".".join(parts[:2])
    return ".".join(parts[:2]) if len(parts) >= 2 else dotted


def dotted_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass
class Problem:
    where: str
    what: str

    def __str__(self):
        return f"{self.where}: {self.what}"


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def import_problems(path: Path) -> list[Problem]:
    """The imports of one module that cross into another owner's private parts."""
    me = dotted_name(path)
    mine = owner(me)
    where = str(path.relative_to(ROOT))
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
    problems = []
    aliases: dict[str, str] = {}  # a local name bound to another owner's module

    def check_module(module: str, line: int) -> None:
        if not module.startswith("tracker.") or owner(module) == mine:
            return
        parts = module.split(".")
        if any(is_private(part) for part in parts):
            problems.append(Problem(f"{where}:{line}", f"imports the private module {module}"))
        if parts[-1] == "service":
            problems.append(
                Problem(f"{where}:{line}", f"imports {module}: split into queries/operations")
            )
        if parts[-1].startswith("views") and where not in MAY_IMPORT_VIEWS:
            problems.append(Problem(f"{where}:{line}", f"imports another area's views {module}"))

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            check_module(node.module, node.lineno)
            for name in node.names:
                full = f"{node.module}.{name.name}"
                if full.startswith("tracker.") and owner(full) != mine:
                    if is_private(name.name):
                        problems.append(
                            Problem(f"{where}:{node.lineno}", f"imports the private {full}")
                        )
                    if (ROOT / Path(*full.split("."))).with_suffix(".py").exists() or (
                        ROOT / Path(*full.split("."))
                    ).is_dir():
                        check_module(full, node.lineno)
                        aliases[name.asname or name.name] = full
        elif isinstance(node, ast.Import):
            for name in node.names:
                check_module(name.name, node.lineno)
                if name.asname and owner(name.name) != mine:
                    aliases[name.asname] = name.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and is_private(node.attr)
        ):
            problems.append(
                Problem(
                    f"{where}:{node.lineno}",
                    f"uses the private {aliases[node.value.id]}.{node.attr}",
                )
            )
    return problems


def clock_problems(path: Path) -> list[Problem]:
    """Reads of the system clock other than tracker/clock.py's."""
    where = str(path.relative_to(ROOT))
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr)
            in {("date", "today"), ("datetime", "now"), ("datetime", "utcnow")}
        ):
            found.append(
                Problem(
                    f"{where}:{node.lineno}",
                    f"{node.func.value.id}.{node.func.attr}(): use tracker.clock",
                )
            )
    return found


def test_no_module_is_longer_than_a_sitting():
    long = {
        str(path.relative_to(ROOT)): length
        for path in modules(TRACKER)
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"modules over {MAX_LINES} lines"


def test_no_area_reaches_into_another_areas_private_parts():
    problems = [str(p) for path in modules(TRACKER) for p in import_problems(path)]
    assert problems == []


def test_only_the_clock_reads_the_clock():
    readers = [
        str(p)
        for path in modules(TRACKER, ROOT / "tests", ROOT / "bench")
        if path != TRACKER / "clock.py"
        for p in clock_problems(path)
    ]
    assert readers == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from tracker.review.challenges import _hold", "imports the private"),
        ("from tracker.review import _common", "imports the private"),
        ("from tracker.review._common import hold", "imports the private module"),
        ("from tracker.review import service", "split into queries/operations"),
        ("from tracker.assessments.views import bp", "another area's views"),
        ("from tracker.review import queries as review\nreview._rows()", "uses the private"),
        ("import tracker.review._common as c", "imports the private module"),
    ],
)
def test_the_import_check_catches(tmp_path, monkeypatch, source, expected):
    """The checker itself can fail: each kind of crossing is reported."""
    area = tmp_path / "tracker" / "statements"
    area.mkdir(parents=True)
    (tmp_path / "tracker" / "review").mkdir()
    (tmp_path / "tracker" / "review" / "_common.py").write_text("")
    (tmp_path / "tracker" / "review" / "challenges.py").write_text("")
    (tmp_path / "tracker" / "review" / "queries.py").write_text("")
    (tmp_path / "tracker" / "review" / "service.py").write_text("")
    (tmp_path / "tracker" / "assessments").mkdir()
    (tmp_path / "tracker" / "assessments" / "views.py").write_text("")
    module = area / "figures.py"
    module.write_text(source + "\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "TRACKER", tmp_path / "tracker")
    found = [str(p) for p in import_problems(module)]
    assert any(expected in line for line in found), found


def test_the_import_check_allows_an_areas_own_private_names(tmp_path, monkeypatch):
    area = tmp_path / "tracker" / "review"
    area.mkdir(parents=True)
    (area / "_common.py").write_text("")
    module = area / "challenges.py"
    module.write_text(
        "from tracker.review._common import _hold\nfrom tracker.rules import RuleError\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "TRACKER", tmp_path / "tracker")
    assert import_problems(module) == []


def test_the_clock_check_catches(tmp_path, monkeypatch):
    module = tmp_path / "late.py"
    module.write_text("from datetime import date\nwhen = date.today()\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert [p.what for p in clock_problems(module)] == ["date.today(): use tracker.clock"]
