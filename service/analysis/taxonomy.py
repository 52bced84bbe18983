"""The category taxonomy, loaded once from `data/taxonomy.yaml`."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from service.analysis.model import Severity


@dataclass(frozen=True, slots=True)
class Category:
    """One taxonomy category."""

    id: str
    family: str
    description: str
    cwe: tuple[str, ...]
    securereviewer: str | None
    default_severity: Severity

    @property
    def security(self) -> bool:
        """Whether the category belongs to the security family."""
        return self.family == "security"


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """All categories, plus the lookups the classifier needs."""

    categories: tuple[Category, ...]
    by_id: dict[str, Category]
    by_cwe: dict[str, Category]
    by_securereviewer_type: dict[str, Category]
    position: dict[str, int]
    """Each category id's place in the taxonomy (earlier wins a tie)."""

    def get(self, category_id: str) -> Category:
        """Return the category with this id (KeyError for an unknown id)."""
        return self.by_id[category_id]

    def for_cwe(self, cwe: str) -> Category | None:
        """Return the category a `CWE-<n>` id belongs to, if the taxonomy maps it."""
        return self.by_cwe.get(cwe.upper())

    def representative_cwe(self, category_id: str) -> str | None:
        """Return the category's representative CWE id, if it has one."""
        cwes = self.by_id[category_id].cwe
        return cwes[0] if cwes else None


def _category(raw: dict[str, Any]) -> Category:
    return Category(
        id=raw["id"],
        family=raw["family"],
        description=raw["description"],
        cwe=tuple(f"CWE-{n}" for n in raw.get("cwe") or ()),
        securereviewer=raw.get("securereviewer"),
        default_severity=Severity(raw["default_severity"]),
    )


def parse_taxonomy(document: dict[str, Any]) -> Taxonomy:
    """Build a Taxonomy from the parsed YAML document, rejecting ambiguous CWE mappings."""
    categories = tuple(_category(raw) for raw in document["categories"])
    by_id = {c.id: c for c in categories}
    by_cwe: dict[str, Category] = {}
    for category in categories:
        for cwe in category.cwe:
            if cwe in by_cwe:
                raise ValueError(f"{cwe} is listed under {by_cwe[cwe].id} and {category.id}")
            by_cwe[cwe] = category
    by_type = {
        name.lower(): by_id[category_id]
        for name, category_id in (document.get("securereviewer_types") or {}).items()
    }
    position = {c.id: index for index, c in enumerate(categories)}
    return Taxonomy(categories, by_id, by_cwe, by_type, position)


@functools.cache
def load_taxonomy() -> Taxonomy:
    """Return the packaged taxonomy (parsed once per process)."""
    text = resources.files("service.analysis").joinpath("data/taxonomy.yaml").read_text("utf-8")
    return parse_taxonomy(yaml.safe_load(text))
