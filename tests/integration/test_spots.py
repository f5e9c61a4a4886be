"""Dirty spots (issue 16): reported by anyone logged in, confirmed instead of duplicated, listed and mapped,
photographed through the photo pipeline, hidden by staff."""

from __future__ import annotations

import io
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from app.domain.photos.images import THUMBNAIL_SIDE
from tests.support.factories import Factory

SPOT = {"latitude": -23.9712, "longitude": -46.3321, "kind": "trash", "size": "medium", "description": "Lixo."}
# About 30 m north of SPOT, and about 1.1 km north.
NEAR = {**SPOT, "latitude": -23.97093}
FAR = {**SPOT, "latitude": -23.9612}


def report(client: TestClient[Litestar], factory: Factory, user_id: int, **body: Any) -> Any:
    return client.post("/api/spots/", json={**SPOT, **body}, headers=factory.auth(user_id))


def queries_for(client: TestClient[Litestar], app: Litestar, path: str) -> int:
    log = app.state.query_log
    client.get(path)  # warm-up: a new connection may introspect types once
    before = log.count
    assert client.get(path).status_code == 200
    return int(log.count - before)


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (800, 600), (30, 120, 60))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (23.0, 57.0, 39.0), 3: "W", 4: (46.0, 20.0, 1.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_logged_in_user_reports_a_spot(client: TestClient[Litestar], factory: Factory) -> None:
    ana = factory.user("ana")
    answer = report(client, factory, ana)
    assert answer.status_code == 201, answer.text
    spot = answer.json()
    assert spot["status"] == "open"
    assert spot["kind"] == "trash"
    assert spot["size"] == "medium"
    assert spot["confirmations_count"] == 0
    assert spot["reported_by"] == "Ana Silva"
    assert "hidden_by" not in spot
    assert client.get(f"/api/spots/{spot['id']}/").json()["description"] == "Lixo."


def test_reporting_needs_a_login_and_a_valid_body(client: TestClient[Litestar], factory: Factory) -> None:
    ana = factory.user("ana")
    assert client.post("/api/spots/", json=SPOT).status_code == 401
    for bad in (
        {"latitude": 91},
        {"longitude": -181},
        {"kind": "spaceship"},
        {"size": "enormous"},
        {"description": "x" * 1001},
        {"confirm_spot": 0},
    ):
        answer = report(client, factory, ana, **bad)
        assert answer.status_code == 400, (bad, answer.text)
    answer = client.post("/api/spots/", json={"kind": "trash"}, headers=factory.auth(ana))
    assert answer.status_code == 400
    assert factory.count("spots") == 0


def test_a_report_within_50_m_of_an_open_spot_of_the_same_kind_is_offered_as_the_same_spot(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana, bruno = factory.user("ana"), factory.user("bruno")
    first = report(client, factory, ana).json()
    answer = report(client, factory, bruno, **NEAR)
    assert answer.status_code == 409
    problem = answer.json()
    assert problem["code"] == "possible_duplicate"
    assert [c["id"] for c in problem["candidates"]] == [first["id"]]
    assert 20 < problem["candidates"][0]["distance_m"] < 40
    # Another kind, or farther away, is another spot.
    assert report(client, factory, bruno, **{**NEAR, "kind": "rubble"}).status_code == 201
    assert report(client, factory, bruno, **FAR).status_code == 201


def test_confirming_adds_one_confirmation_per_person_and_never_the_reporters_own(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana, bruno, carla = factory.user("ana"), factory.user("bruno"), factory.user("carla")
    spot_id = report(client, factory, ana).json()["id"]
    for _ in range(2):
        answer = report(client, factory, bruno, **NEAR, confirm_spot=spot_id)
        assert answer.status_code == 200, answer.text
        assert answer.json()["confirmations_count"] == 1
    assert report(client, factory, ana, confirm_spot=spot_id).json()["confirmations_count"] == 1
    assert report(client, factory, carla, confirm_spot=spot_id).json()["confirmations_count"] == 2
    assert factory.count("spots") == 1
    assert factory.count("spot_confirmations") == 2
    assert report(client, factory, carla, confirm_spot=spot_id + 100).status_code == 404


def test_new_spot_creates_a_second_spot_anyway(client: TestClient[Litestar], factory: Factory) -> None:
    ana, bruno = factory.user("ana"), factory.user("bruno")
    report(client, factory, ana)
    answer = report(client, factory, bruno, **NEAR, new_spot=True)
    assert answer.status_code == 201
    assert factory.count("spots") == 2


def test_the_list_filters_by_status_kind_box_and_circle(client: TestClient[Litestar], factory: Factory) -> None:
    ana = factory.user("ana")
    trash = report(client, factory, ana).json()["id"]
    rubble = report(client, factory, ana, **{**FAR, "kind": "rubble"}).json()["id"]
    far_away = report(client, factory, ana, latitude=-22.9, longitude=-43.2).json()["id"]

    def ids(query: str) -> list[int]:
        answer = client.get(f"/api/spots/?{query}")
        assert answer.status_code == 200, answer.text
        return [spot["id"] for spot in answer.json()["results"]]

    assert ids("") == [far_away, rubble, trash]
    assert ids("kind=rubble") == [rubble]
    assert ids("status=open") == [far_away, rubble, trash]
    assert ids("status=cleaned") == []
    assert ids("bbox=-46.4,-24.0,-46.3,-23.9") == [rubble, trash]
    assert ids("latitude=-23.9712&longitude=-46.3321&radius=0.5") == [trash]
    assert ids("latitude=-23.9712&longitude=-46.3321&radius=5") == [rubble, trash]
    assert client.get("/api/spots/?page_size=1").json()["count"] == 3
    for bad in ("bbox=1,2,3", "bbox=a,b,c,d", "bbox=10,0,-10,5", "bbox=0,0,nan,1", "kind=x", "status=x",
                "latitude=10", "radius=0&latitude=1&longitude=1"):  # fmt: skip
        assert client.get(f"/api/spots/?{bad}").status_code == 400, bad


def test_the_list_costs_the_same_queries_with_more_spots(
    client: TestClient[Litestar], app: Litestar, factory: Factory
) -> None:
    ana = factory.user("ana")
    report(client, factory, ana)
    few = queries_for(client, app, "/api/spots/")
    for n in range(5):
        report(client, factory, factory.user(), latitude=-23.0 - n, new_spot=True)
    assert queries_for(client, app, "/api/spots/") == few
    assert queries_for(client, app, "/api/spots.geojson") == few


def test_the_geojson_is_a_feature_collection_in_longitude_latitude_order(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana = factory.user("ana")
    spot_id = report(client, factory, ana).json()["id"]
    report(client, factory, ana, **{**FAR, "kind": "rubble"})
    answer = client.get("/api/spots.geojson?kind=trash")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    document = answer.json()
    assert document["type"] == "FeatureCollection"
    [feature] = document["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [SPOT["longitude"], SPOT["latitude"]]}
    assert feature["properties"] == {
        "id": spot_id, "kind": "trash", "status": "open", "size": "medium", "confirmations": 0, "event": None,
        "event_url": None,
    }  # fmt: skip


def test_staff_hide_a_spot_and_only_staff_and_its_reporter_still_see_it(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana, bruno, staff = factory.user("ana"), factory.user("bruno"), factory.user("equipe", is_staff=True)
    spot_id = report(client, factory, ana).json()["id"]
    assert client.post(f"/api/spots/{spot_id}/hide/", headers=factory.auth(bruno)).status_code == 403
    assert client.post(f"/api/spots/{spot_id}/hide/").status_code == 401
    answer = client.post(f"/api/spots/{spot_id}/hide/", headers=factory.auth(staff))
    assert answer.status_code == 200
    assert answer.json()["status"] == "hidden"
    assert factory.scalar("SELECT hidden_by_id FROM spots") == staff

    assert client.get(f"/api/spots/{spot_id}/").status_code == 404
    assert client.get("/api/spots/").json()["count"] == 0
    assert client.get("/api/spots.geojson").json()["features"] == []
    assert client.get("/api/spots/", headers=factory.auth(bruno)).json()["count"] == 0
    assert client.get("/api/spots/", headers=factory.auth(staff)).json()["count"] == 1
    own = client.get(f"/api/spots/{spot_id}/", headers=factory.auth(ana))
    assert own.status_code == 200
    assert own.json()["status"] == "hidden"
    assert "equipe" not in own.text and "hidden_by" not in own.text
    # A hidden spot is no duplicate candidate.
    assert report(client, factory, bruno, **NEAR).status_code == 201


def test_the_reporter_adds_up_to_five_photos_without_their_location(
    client: TestClient[Litestar], factory: Factory
) -> None:
    ana, bruno = factory.user("ana"), factory.user("bruno")
    spot_id = report(client, factory, ana).json()["id"]

    def upload(user_id: int, content: bytes) -> Any:
        return client.post(
            f"/api/spots/{spot_id}/photos/",
            files={"photo": ("spot.jpg", content, "application/octet-stream")},
            headers=factory.auth(user_id),
        )

    assert upload(bruno, jpeg_with_location()).status_code == 403
    assert upload(ana, b"not an image").status_code == 400
    for n in range(5):
        answer = upload(ana, jpeg_with_location())
        assert answer.status_code == 201, answer.text
        assert len(answer.json()["photos"]) == n + 1
    assert upload(ana, jpeg_with_location()).status_code == 409
    photo = client.get(f"/api/spots/{spot_id}/").json()["photos"][0]["photo"]
    stored = client.get(photo.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert stored.status_code == 200
    assert Image.open(io.BytesIO(stored.content)).getexif().get_ifd(0x8825) == {}
    # Each photo comes with its thumbnail, made with it: at most 400 pixels on its longer side, no location either.
    thumbnail = client.get(f"/api/spots/{spot_id}/").json()["photos"][0]["thumbnail"]
    small = client.get(thumbnail.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert small.status_code == 200
    image = Image.open(io.BytesIO(small.content))
    assert max(image.size) <= THUMBNAIL_SIDE and image.size[0] > image.size[1]
    assert image.getexif().get_ifd(0x8825) == {}
