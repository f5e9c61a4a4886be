"""Spot rules: reporting (and the "same spot?" check), confirmations, photos, visibility, hiding.

Distances are great-circle, computed like events' `nearby`: the GiST index on point(longitude, latitude) narrows
to a bounding box first, then the haversine formula keeps the exact circle.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple
from uuid import uuid4

import anyio
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.models import User, display_name
from app.domain.errors import Conflict, NotFound, PermissionDenied
from app.domain.events.models import LISTED_STATUSES, Event
from app.domain.events.queries import EARTH_RADIUS_KM, Circle, bounding_box
from app.domain.photos.images import Picture, clean_photo, thumbnail
from app.domain.photos.models import EventPhoto
from app.domain.photos.storage import LocalMediaStorage
from app.domain.spots.models import MAX_SPOT_PHOTOS, OPEN_STATUSES, Spot, SpotConfirmation, SpotPhoto
from app.domain.spots.schemas import DuplicateCandidate, SpotPhotoRead, SpotRead, SpotWrite
from app.domain.time import utcnow

# A report this close to an open spot of the same kind is probably that spot.
DUPLICATE_RADIUS_KM = 0.05
MAX_CANDIDATES = 5
PHOTO_SIDE = 1920


class PossibleDuplicate(Conflict):
    """409 `possible_duplicate`: the problem lists the candidates (id, distance in metres)."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        super().__init__("possible_duplicate")
        self.candidates = candidates


class Box(NamedTuple):
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


class SpotFilters(NamedTuple):
    status: str | None = None
    kind: str | None = None
    box: Box | None = None
    circle: Circle | None = None


def distance_km(latitude: float, longitude: float) -> ColumnElement[float]:
    """Haversine distance from the point to the spot: `events.queries.haversine_sql`'s formula, as a SQLAlchemy
    expression (the spot queries are built with SQLAlchemy, and their candidates select the distance)."""
    d_lat = func.radians(Spot.latitude - latitude) / 2
    d_lon = func.radians(Spot.longitude - longitude) / 2
    h = func.power(func.sin(d_lat), 2) + func.cos(func.radians(latitude)) * func.cos(
        func.radians(Spot.latitude)
    ) * func.power(func.sin(d_lon), 2)
    return EARTH_RADIUS_KM * 2 * func.asin(func.sqrt(h))


def in_box(box: Box, name: str) -> ColumnElement[bool]:
    """The spot lies in the box: served by the GiST index on point(longitude, latitude)."""
    return text(
        f"point(spots.longitude, spots.latitude) <@ box(point(:{name}_x1, :{name}_y1), point(:{name}_x2, :{name}_y2))"
    ).bindparams(
        **{f"{name}_x1": box.min_lon, f"{name}_y1": box.min_lat, f"{name}_x2": box.max_lon, f"{name}_y2": box.max_lat}
    )  # type: ignore[return-value]


def within(circle: Circle, name: str = "circle") -> ColumnElement[bool]:
    return and_(
        in_box(Box(*bounding_box(circle)), name),
        distance_km(circle.latitude, circle.longitude) <= circle.radius_km,
    )


class SpotService:
    def __init__(self, session: AsyncSession, storage: LocalMediaStorage, event_url: Any) -> None:
        self.session = session
        self.storage = storage
        self.event_url = event_url  # event id -> its public URL

    def reading_from(self, session: AsyncSession) -> SpotService:
        """The same service reading through another session (the read replica's)."""
        return SpotService(session, self.storage, self.event_url)

    # --- reports ---

    async def report(self, data: SpotWrite, user: User) -> tuple[SpotRead, bool]:
        """(the spot, whether it is new). A confirmation of an existing spot is idempotent per person."""
        if data.confirm_spot is not None:
            return await self.confirm(data.confirm_spot, user), False
        if not data.new_spot:
            candidates = await self.duplicates(data)
            if candidates:
                raise PossibleDuplicate(candidates)
        spot = Spot(
            reporter_id=user.id,
            latitude=data.latitude,
            longitude=data.longitude,
            description=data.description.strip(),
            kind=data.kind,
            size=data.size,
            status="open",
            confirmations_count=0,
        )
        self.session.add(spot)
        await self.session.flush()
        return await self.read(spot.id, user), True

    async def duplicates(self, data: SpotWrite) -> list[DuplicateCandidate]:
        circle = Circle(data.latitude, data.longitude, DUPLICATE_RADIUS_KM)
        distance = distance_km(data.latitude, data.longitude)
        rows = await self.session.execute(
            select(Spot.id, distance, Spot.status, Spot.confirmations_count)
            .where(Spot.kind == data.kind, Spot.status.in_(OPEN_STATUSES), within(circle))
            .order_by(distance, Spot.id)
            .limit(MAX_CANDIDATES)
        )
        return [
            DuplicateCandidate(id=id_, distance_m=round(km * 1000, 1), status=status, confirmations_count=count)
            for id_, km, status, count in rows.tuples()
        ]

    async def confirm(self, spot_id: int, user: User) -> SpotRead:
        spot = await self._visible(spot_id, user, lock=True)
        if spot.status not in OPEN_STATUSES:
            raise Conflict("spot_not_open")
        if spot.reporter_id != user.id:  # reporting your own spot again is not a confirmation
            now = utcnow()
            added = await self.session.scalar(
                insert(SpotConfirmation)
                .values(spot_id=spot.id, user_id=user.id, created_at=now, updated_at=now)
                .on_conflict_do_nothing(constraint="uq_spot_confirmations_spot_user")
                .returning(SpotConfirmation.id)
            )
            if added is not None:
                spot.confirmations_count += 1
                spot.updated_at = now
                await self.session.flush()
        return await self.read(spot.id, user)

    # --- photos ---

    async def add_photo(self, spot_id: int, user: User, raw: bytes) -> SpotRead:
        """The reporter (or staff), up to MAX_SPOT_PHOTOS; cleaned by the photo pipeline (no EXIF position)."""
        spot = await self._visible(spot_id, user, lock=True)
        if spot.reporter_id != user.id and not user.is_staff:
            raise PermissionDenied("spot_not_yours")
        count = await self.session.scalar(select(func.count()).where(SpotPhoto.spot_id == spot.id))
        if (count or 0) >= MAX_SPOT_PHOTOS:
            raise Conflict("spot_photos_full", max=MAX_SPOT_PHOTOS)
        picture, small = await anyio.to_thread.run_sync(_pictures, raw)
        name = f"spots/{spot.id}/{uuid4().hex}"
        thumbnail_name = f"{name}_thumb{small.extension}"
        photo = SpotPhoto(
            spot_id=spot.id,
            user_id=user.id,
            photo=f"{name}{picture.extension}",
            thumbnail=thumbnail_name,
            content_type=picture.content_type,
            width=picture.width,
            height=picture.height,
            size_bytes=len(picture.data),
        )
        await self.storage.save_for(self.session, photo.photo, picture.data)
        await self.storage.save_for(self.session, thumbnail_name, small.data)
        self.session.add(photo)
        await self.session.flush()
        return await self.read(spot.id, user)

    # --- staff ---

    async def hide(self, spot_id: int, user: User) -> SpotRead:
        if not user.is_staff:
            raise PermissionDenied("staff_only")
        spot = await self._visible(spot_id, user, lock=True)
        if spot.status != "hidden":
            now = utcnow()
            spot.status, spot.hidden_by_id, spot.hidden_at, spot.updated_at = "hidden", user.id, now, now
            await self.session.flush()
        return await self.read(spot.id, user)

    # --- reading ---

    async def read(self, spot_id: int, viewer: User | None) -> SpotRead:
        """One spot with its photos (and, once cleaned, its event's `after` photos): three queries."""
        rows = (await self.session.execute(self._listing(viewer).where(Spot.id == spot_id))).tuples().all()
        if not rows:
            raise NotFound("spot_not_found")
        spot, first_name, last_name, username, event_shown = rows[0]
        photos = await self.session.scalars(
            select(SpotPhoto).where(SpotPhoto.spot_id == spot.id).order_by(SpotPhoto.created_at, SpotPhoto.id)
        )
        answer = self._read(spot, display_name(first_name, last_name, username), event_shown)
        answer.photos = [self._photo(p.id, p.photo, p.thumbnail, p.created_at) for p in photos]
        if spot.status == "cleaned" and event_shown:
            after = await self.session.scalars(
                select(EventPhoto)
                .where(EventPhoto.event_id == spot.event_id, EventPhoto.is_after)
                .order_by(EventPhoto.created_at, EventPhoto.id)
            )
            answer.after_photos = [self._photo(p.id, p.photo, p.thumbnail, p.created_at) for p in after]
        return answer

    async def page(
        self, filters: SpotFilters, viewer: User | None, *, offset: int, limit: int | None
    ) -> tuple[int, list[SpotRead]]:
        """Newest first; two queries whatever the number of spots (`limit=None`: every one, for the map)."""
        statement = self._filtered(self._listing(viewer), filters)
        count = await self.session.scalar(
            self._filtered(select(func.count()).select_from(Spot).where(self._visible_to(viewer)), filters)
        )
        statement = statement.order_by(Spot.created_at.desc(), Spot.id.desc()).offset(offset)
        if limit is not None:
            statement = statement.limit(limit)
        rows = await self.session.execute(statement)
        return int(count or 0), [
            self._read(spot, display_name(first_name, last_name, username), event_shown)
            for spot, first_name, last_name, username, event_shown in rows.tuples()
        ]

    def _listing(self, viewer: User | None) -> Select[tuple[Spot, str, str, str, bool]]:
        return (
            select(Spot, User.first_name, User.last_name, User.username, self._event_shown_to(viewer))
            .join(User, User.id == Spot.reporter_id)
            .outerjoin(Event, Event.id == Spot.event_id)
            .where(self._visible_to(viewer))
        )

    @staticmethod
    def _event_shown_to(viewer: User | None) -> ColumnElement[bool]:
        """The spot links to its mutirão once the event is listed (a draft or a private event stays unnamed), and
        always for its organizer and staff."""
        listed = and_(Event.is_public, Event.status.in_(LISTED_STATUSES))
        if viewer is not None and viewer.is_staff:
            return Event.id.is_not(None)
        if viewer is not None:
            listed = or_(listed, Event.organizer_id == viewer.id)
        return func.coalesce(listed, False)

    @staticmethod
    def _visible_to(viewer: User | None) -> ColumnElement[bool]:
        """Hidden spots: staff, and their own reporter (who sees the status, never who hid it)."""
        if viewer is not None and viewer.is_staff:
            return Spot.id.is_not(None)
        if viewer is None:
            return Spot.status != "hidden"
        return or_(Spot.status != "hidden", Spot.reporter_id == viewer.id)

    @staticmethod
    def _filtered(statement: Any, filters: SpotFilters) -> Any:
        if filters.status is not None:
            statement = statement.where(Spot.status == filters.status)
        if filters.kind is not None:
            statement = statement.where(Spot.kind == filters.kind)
        if filters.box is not None:
            statement = statement.where(in_box(filters.box, "bbox"))
        if filters.circle is not None:
            statement = statement.where(within(filters.circle))
        return statement

    async def _visible(self, spot_id: int, viewer: User, *, lock: bool = False) -> Spot:
        statement = select(Spot).where(Spot.id == spot_id, self._visible_to(viewer))
        if lock:
            statement = statement.with_for_update()
        spot = await self.session.scalar(statement.execution_options(populate_existing=True))
        if spot is None:
            raise NotFound("spot_not_found")
        return spot

    def _photo(self, id_: int, photo: str, small: str | None, created_at: dt.datetime) -> SpotPhotoRead:
        return SpotPhotoRead(
            id=id_,
            photo=self.storage.url(photo),
            thumbnail=self.storage.url(small) if small else None,
            created_at=created_at,
        )

    def _read(self, spot: Spot, reported_by: str, event_shown: bool) -> SpotRead:
        event_id = spot.event_id if event_shown else None
        return SpotRead(
            id=spot.id,
            latitude=spot.latitude,
            longitude=spot.longitude,
            kind=spot.kind,
            size=spot.size,
            description=spot.description,
            status=spot.status,
            confirmations_count=spot.confirmations_count,
            reported_by=reported_by,
            event=event_id,
            event_url=self.event_url(event_id) if event_id is not None else None,
            created_at=spot.created_at,
            updated_at=spot.updated_at,
        )


def _pictures(raw: bytes) -> tuple[Picture, Picture]:
    """The photo cleaned by the photo pipeline (no metadata, upright, at most PHOTO_SIDE) and its thumbnail."""
    picture = clean_photo(raw, max_side=PHOTO_SIDE)
    return picture, thumbnail(picture.data)
