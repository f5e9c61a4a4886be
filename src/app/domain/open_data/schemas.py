"""The catalogue of the open datasets, as a Frictionless Data Package descriptor (https://datapackage.org/)."""

from __future__ import annotations

import msgspec

from app.domain.open_data.datasets import Column


class License(msgspec.Struct):
    name: str
    path: str
    title: str


class TableSchema(msgspec.Struct, omit_defaults=True, rename="camel"):
    fields: list[Column]
    primary_key: list[str] | None = None


class DataResource(msgspec.Struct, omit_defaults=True):
    name: str
    title: str
    description: str
    path: str
    format: str
    mediatype: str
    encoding: str = "utf-8"
    schema: TableSchema | None = None


class DataPackage(msgspec.Struct):
    name: str
    title: str
    description: str
    homepage: str
    licenses: list[License]
    attribution: str
    resources: list[DataResource]
