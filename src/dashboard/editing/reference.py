"""The codes a change may name, read from the store, and the range's bounding box."""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from dashboard import models as m

# (min longitude, min latitude, max longitude, max latitude)
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Reference:
    """The codes a change may name, and the range states' bounding box."""

    organisations: Mapping[str, int]
    countries: Collection[str]
    regions: Collection[int]
    # code -> (item id, framework code)
    items: Mapping[str, tuple[int, str]]
    # activity_id -> database id
    activities: Mapping[str, int]
    # Framework code -> the activity file's column of its items (Framework.items_column),
    # in the frameworks' order: the plans an activity may serve.
    plans: Mapping[str, str]
    bbox: Box | None = None
    # What people call them, for resolve.py: slug -> (name, short name), ISO3 -> name,
    # PTCR number -> name, item code -> title.
    organisation_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    country_names: Mapping[str, str] = field(default_factory=dict)
    region_names: Mapping[int, str] = field(default_factory=dict)
    item_titles: Mapping[str, str] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def range_bbox(path: Path) -> Box | None:
    """The bounding box of the range states' polygons (a GeoJSON file), or None without it."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError):
        return None
    longitudes: list[float] = []
    latitudes: list[float] = []

    def walk(coordinates: Any) -> None:
        if coordinates and isinstance(coordinates[0], int | float):
            longitudes.append(float(coordinates[0]))
            latitudes.append(float(coordinates[1]))
        else:
            for part in coordinates:
                walk(part)

    for feature in features:
        walk(feature["geometry"]["coordinates"])
    if not longitudes:
        return None
    return (min(longitudes), min(latitudes), max(longitudes), max(latitudes))


def plan_columns(*, session: Session) -> dict[str, str]:
    """Framework code -> the activity file's column of its items, in the frameworks' order."""
    return {
        code: m.items_column_of(code, column)
        for code, column in session.exec(
            select(m.Framework.code, m.Framework.items_column).order_by(col(m.Framework.id))
        ).all()
    }


def load_reference(*, session: Session, geojson: Path | None = None) -> Reference:
    """Every code a change may name, read from the store."""
    from dashboard.settings import get_settings

    items = session.exec(
        select(
            m.FrameworkItem.code, m.FrameworkItem.id, m.Framework.code, m.FrameworkItem.title
        ).join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
    ).all()
    organisations = session.exec(
        select(
            m.Organisation.slug, m.Organisation.id, m.Organisation.name, m.Organisation.short_name
        )
    ).all()
    countries = dict(session.exec(select(m.Country.iso3, m.Country.name)).all())
    regions = dict(session.exec(select(m.Region.number, m.Region.name)).all())
    return Reference(
        organisations={slug: pk for slug, pk, _, _ in organisations if pk is not None},
        countries=frozenset(countries),
        regions=frozenset(regions),
        items={code: (int(pk or 0), framework) for code, pk, framework, _ in items},
        organisation_names={slug: (name, short) for slug, _, name, short in organisations},
        country_names=countries,
        region_names=regions,
        item_titles={code: title for code, _, _, title in items},
        activities={
            key: pk
            for key, pk in session.exec(select(m.Activity.activity_id, m.Activity.id)).all()
            if pk is not None
        },
        bbox=range_bbox(geojson or get_settings().geojson_path),
        plans=plan_columns(session=session),
    )
