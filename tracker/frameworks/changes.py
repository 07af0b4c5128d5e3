"""What a new framework version changes against the latest imported one, for the preview an
administrator confirms before importing (issue #15). Pure: it compares two framework documents
in the file's shape (DESIGN §4); `as_document` gives an imported version that shape."""

from dataclasses import dataclass, field

from tracker.frameworks.loader import LANGUAGES
from tracker.models import Framework

# What an item or scale level says, in the order a reader checks it.
ITEM_TEXTS = ("text", "theme", "guidance")
LEVEL_TEXTS = ("label", "descriptor")


@dataclass
class Change:
    """One thing said differently: `what` names it (`text`, `theme`, `rag`, `levels.3`, ...),
    `lang` is en or cy for wording, None otherwise."""

    what: str
    lang: str | None
    old: object
    new: object


@dataclass
class ItemChange:
    key: str
    theme: str  # in English, to recognise the item by
    changes: list[Change] = field(default_factory=list)


@dataclass
class Comparison:
    key: str
    version: int
    current_version: int | None  # None: a key never imported before
    items: int
    added: list[ItemChange] = field(default_factory=list)
    removed: list[ItemChange] = field(default_factory=list)
    reworded: list[ItemChange] = field(default_factory=list)
    scale: list[ItemChange] = field(default_factory=list)  # key: the level's value
    settings: list[Change] = field(default_factory=list)

    @property
    def new_key(self) -> bool:
        return self.current_version is None

    @property
    def changes_anything(self) -> bool:
        return self.new_key or any(
            (self.added, self.removed, self.reworded, self.scale, self.settings)
        )


def as_document(framework: Framework) -> dict:
    """An imported version in the shape of its file, to compare a new file with."""
    return {
        "key": framework.key,
        "version": framework.version,
        "title": framework.title,
        "description": framework.description,
        "kind": framework.kind,
        "applies_to": list(framework.applies_to or []),
        "scale": [
            {"value": lvl.value, "label": lvl.label, "rag": lvl.rag, "descriptor": lvl.descriptor}
            for lvl in framework.scale
        ],
        "triangulation": {
            "min_kinds": framework.min_kinds,
            "min_sources": framework.min_sources,
            "required_from": framework.required_from,
        },
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "items": [
                    {
                        "key": item.key,
                        "theme": item.theme,
                        "text": item.text,
                        "guidance": item.guidance,
                        "levels": item.levels,
                    }
                    for item in section.items
                ],
            }
            for section in framework.sections
        ],
    }


def _english(text) -> str:
    return (text or {}).get("en", "") if isinstance(text, dict) else ""


def _wording(what: str, old, new) -> list[Change]:
    """Each language in which a text differs (a Welsh text added or dropped counts)."""
    old, new = old or {}, new or {}
    return [
        Change(what, lang, old.get(lang), new.get(lang))
        for lang in LANGUAGES
        if (old.get(lang) or None) != (new.get(lang) or None)
    ]


def _items(document: dict) -> dict[str, tuple[str, dict]]:
    """Every item by key, with its section's key."""
    return {
        item["key"]: (section["key"], item)
        for section in document["sections"]
        for item in section["items"]
    }


def _item_changes(old_section: str, old: dict, new_section: str, new: dict) -> list[Change]:
    changes = [c for what in ITEM_TEXTS for c in _wording(what, old.get(what), new.get(what))]
    old_levels = {str(k): v for k, v in (old.get("levels") or {}).items()}
    new_levels = {str(k): v for k, v in (new.get("levels") or {}).items()}
    for value in sorted(set(old_levels) | set(new_levels), key=int):
        changes += _wording(f"levels.{value}", old_levels.get(value), new_levels.get(value))
    if old_section != new_section:
        changes.append(Change("section", None, old_section, new_section))
    return changes


def _scale_changes(old: list, new: list) -> list[ItemChange]:
    old_levels = {lvl["value"]: lvl for lvl in old}
    new_levels = {lvl["value"]: lvl for lvl in new}
    result = []
    for value in sorted(set(old_levels) | set(new_levels)):
        before, after = old_levels.get(value), new_levels.get(value)
        label = _english((after or before)["label"])
        if before is None:
            changes = [Change("added", None, None, label)]
        elif after is None:
            changes = [Change("removed", None, label, None)]
        else:
            changes = [
                c for what in LEVEL_TEXTS for c in _wording(what, before.get(what), after.get(what))
            ]
            if before["rag"] != after["rag"]:
                changes.append(Change("rag", None, before["rag"], after["rag"]))
        if changes:
            result.append(ItemChange(str(value), label, changes))
    return result


def _setting_changes(old: dict, new: dict) -> list[Change]:
    changes = _wording("title", old["title"], new["title"])
    changes += _wording("description", old.get("description"), new.get("description"))
    if old["kind"] != new["kind"]:
        changes.append(Change("kind", None, old["kind"], new["kind"]))
    if sorted(old["applies_to"]) != sorted(new["applies_to"]):
        changes.append(
            Change("applies_to", None, ", ".join(old["applies_to"]), ", ".join(new["applies_to"]))
        )
    for rule in ("min_kinds", "min_sources", "required_from"):
        if old["triangulation"][rule] != new["triangulation"][rule]:
            changes.append(
                Change(rule, None, old["triangulation"][rule], new["triangulation"][rule])
            )
    return changes


def compare(new: dict, current: dict | None) -> Comparison:
    """What importing `new` changes against `current` (None: its key is new)."""
    new_items = _items(new)
    result = Comparison(
        key=new["key"],
        version=new["version"],
        current_version=current["version"] if current else None,
        items=len(new_items),
    )
    if current is None:
        return result
    old_items = _items(current)
    for key, (section, item) in new_items.items():
        if key not in old_items:
            result.added.append(ItemChange(key, _english(item["theme"])))
            continue
        changes = _item_changes(*old_items[key], section, item)
        if changes:
            result.reworded.append(ItemChange(key, _english(item["theme"]), changes))
    result.removed = [
        ItemChange(key, _english(item["theme"]))
        for key, (_section, item) in old_items.items()
        if key not in new_items
    ]
    result.scale = _scale_changes(current["scale"], new["scale"])
    result.settings = _setting_changes(current, new)
    return result
