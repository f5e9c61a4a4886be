"""The catalogue: every open dataset with its address, licence and data dictionary, as one Data Package."""

from __future__ import annotations

from app.domain.open_data.datasets import (
    ATTRIBUTION,
    EVENT_COLUMNS,
    GROUPS,
    LICENSE_NAME,
    LICENSE_TITLE,
    LICENSE_URL,
    events_description,
    impact_columns,
    impact_description,
)
from app.domain.open_data.schemas import DataPackage, DataResource, License, TableSchema


def attribution(homepage: str) -> str:
    return ATTRIBUTION.format(homepage=homepage)


def data_package(base_url: str, homepage: str) -> DataPackage:
    """`base_url`: where the API answers (the datasets' addresses start with it); `homepage`: the public site."""
    root = f"{base_url.rstrip('/')}/api/open-data"
    events_schema = TableSchema(fields=list(EVENT_COLUMNS), primary_key=["event_id"])
    resources = [
        DataResource(
            name="events",
            title="Mutirões that took place",
            description=events_description(),
            path=f"{root}/events.csv",
            format="csv",
            mediatype="text/csv",
            schema=events_schema,
        ),
        DataResource(
            name="events-geojson",
            title="Mutirões that took place, as points",
            description=events_description() + " One Feature per event; its properties are the CSV's columns.",
            path=f"{root}/events.geojson",
            format="geojson",
            mediatype="application/geo+json",
        ),
        *(
            DataResource(
                name=f"impact-by-{group}",
                title=f"Impact by {group}",
                description=impact_description(group),
                path=f"{root}/impact.csv?group={group}",
                format="csv",
                mediatype="text/csv",
                schema=TableSchema(fields=list(impact_columns(group))),
            )
            for group in GROUPS
        ),
    ]
    return DataPackage(
        name="mutiroes-impact",
        title="Mutirões: open impact data",
        description=(
            "What community environmental actions organised on Mutirões achieved: each event that took place, and "
            "the totals by month, city and category. UTF-8 CSV (comma, header row, RFC 4180) and GeoJSON."
        ),
        homepage=homepage,
        licenses=[License(name=LICENSE_NAME, path=LICENSE_URL, title=LICENSE_TITLE)],
        attribution=attribution(homepage),
        resources=resources,
    )
