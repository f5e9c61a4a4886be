"""The datasets as bytes: CSV (RFC 4180, UTF-8, a header row) and GeoJSON (RFC 7946), a chunk of rows at a time."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import msgspec

from app.domain.open_data.datasets import EVENT_COLUMNS, LICENSE_URL, Column


def csv_header(columns: Sequence[Column]) -> bytes:
    return csv_rows([[column.name for column in columns]])


def csv_rows(rows: Iterable[Sequence[Any]]) -> bytes:
    """Comma-separated, quoted only where needed, CRLF line ends (RFC 4180); empty for null, true/false."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class Point(msgspec.Struct):
    coordinates: tuple[float, float]  # longitude, latitude (RFC 7946 order)
    type: Literal["Point"] = "Point"


class EventProperties(msgspec.Struct):
    """An event's columns but its position (the geometry holds it)."""

    event_id: int
    date: str
    start_date: str
    end_date: str
    category_id: int
    category_name: str
    city: str
    state: str
    volunteers: int
    reported: bool
    total_hours: float | None
    trash_collected_kg: float | None
    recyclable_material_kg: float | None
    trees_planted: int | None
    area_cleaned_m2: float | None


class EventFeature(msgspec.Struct):
    id: int
    geometry: Point
    properties: EventProperties
    type: Literal["Feature"] = "Feature"


class EventFeatureCollection(msgspec.Struct):
    """The whole GeoJSON document (as the OpenAPI document describes it; the API streams it feature by feature)."""

    name: str
    license: str
    attribution: str
    features: list[EventFeature]
    type: Literal["FeatureCollection"] = "FeatureCollection"


_LATITUDE = next(n for n, column in enumerate(EVENT_COLUMNS) if column.name == "latitude")
# The properties are the columns but the position, in the same order: the rows fill them by position.
assert EventProperties.__struct_fields__ == tuple(
    column.name for column in EVENT_COLUMNS if column.name not in {"latitude", "longitude"}
)


def geojson_opening(attribution: str) -> bytes:
    """Everything before the first feature: the licence and the attribution as foreign members."""
    head = msgspec.json.encode(
        {"type": "FeatureCollection", "name": "mutiroes-events", "license": LICENSE_URL, "attribution": attribution}
    )
    return head[:-1] + b',"features":['


GEOJSON_CLOSING = b"]}\n"


def geojson_features(rows: Sequence[Sequence[Any]], *, first: bool) -> bytes:
    """The rows as features, comma-separated (and preceded by one unless they are the first)."""
    features = [
        EventFeature(
            id=row[0],
            geometry=Point((row[_LATITUDE + 1], row[_LATITUDE])),
            properties=EventProperties(*(value for n, value in enumerate(row) if n not in {_LATITUDE, _LATITUDE + 1})),
        )
        for row in rows
    ]
    body = b",".join(msgspec.json.encode(feature) for feature in features)
    return body if first or not body else b"," + body
