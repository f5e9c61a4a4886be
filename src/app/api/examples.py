"""Examples in the OpenAPI document, so generated clients and the docs UI show real-looking data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body

from app.domain.events.schemas import EventCreate, EventDetail, EventWrite


def _a_saturday_ahead() -> str:
    """The date of the Saturday a week or more from now: the examples stay valid (an event starts in the future)."""
    today = dt.date.today()
    return (today + dt.timedelta(days=7 + (5 - today.weekday()) % 7)).isoformat()


DAY = _a_saturday_ahead()
EVE = (dt.date.fromisoformat(DAY) - dt.timedelta(days=1)).isoformat()

NEW_EVENT = {
    "title": "Mutirão de limpeza da Praia do Gonzaga",
    "description": "Coleta de resíduos na faixa de areia e triagem de recicláveis com a cooperativa local.",
    "category": 1,
    "address": "Praia do Gonzaga, em frente ao posto 3",
    "latitude": -23.9700,
    "longitude": -46.3300,
    "city": "Santos",
    "state": "SP",
    "start_date": f"{DAY}T09:00:00",
    "end_date": f"{DAY}T12:00:00",
    "registration_deadline": f"{EVE}T18:00:00",
    "timezone": "America/Sao_Paulo",
    "max_participants": 40,
    "min_age": 16,
    "status": "published",
    "what_to_bring": "Água, protetor solar, chapéu",
    "provided_tools": "Luvas, sacos e pinças",
}

EVENT = {
    **NEW_EVENT,
    "id": 42,
    "category": {
        "id": 1,
        "name": "Limpeza",
        "description": "Limpeza de praias, rios, mangues, praças e trilhas.",
        "icon": "trash-2",
        "color": "#0ea5e9",
    },
    "organizer": "ana.lima",
    "organizer_id": 7,
    "organizer_name": "Ana Lima",
    "organizer_avatar": "",
    "start_date": f"{DAY}T09:00:00-03:00",
    "end_date": f"{DAY}T12:00:00-03:00",
    "registration_deadline": f"{EVE}T18:00:00-03:00",
    "max_age": None,
    "is_public": True,
    "requires_approval": False,
    "required_tools": "",
    "cover_image_url": "",
    "created_at": "2026-11-30T12:00:00Z",
    "updated_at": "2026-11-30T12:00:00Z",
    "participants_count": 12,
    "waitlist_count": 0,
    "available_spots": 28,
    "is_active": True,
    "is_registration_open": True,
    "user_participating": False,
    "user_participation_status": None,
    "resources": [],
    "photos": [],
    "comments": [],
    "participants": [],
}

EventBody = Annotated[
    EventWrite,
    Body(
        title="Event",
        description="Timestamps without an offset are local time in the event's `timezone`.",
        examples=[Example(summary="A beach clean-up in Santos", value=NEW_EVENT)],
    ),
]
NewEventBody = Annotated[
    EventCreate,
    Body(
        title="New event",
        description="Timestamps without an offset are local time in the event's `timezone`. `spot`: the open dirty "
        "spot this mutirão will clean.",
        examples=[
            Example(summary="A beach clean-up in Santos", value=NEW_EVENT),
            Example(summary="A clean-up of a reported dirty spot", value={**NEW_EVENT, "spot": 42}),
        ],
    ),
]
EVENT_RESPONSE = ResponseSpec(
    data_container=EventDetail,
    description="The event, times in its own timezone",
    examples=[Example(summary="A beach clean-up in Santos", value=EVENT)],
)
