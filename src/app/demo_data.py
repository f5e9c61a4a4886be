"""Demo data for a newcomer's first run: a few people, a collective, ~50 mutirões across Brazil and a weekly series,
loaded once."""

from __future__ import annotations

import datetime as dt
import logging
import random

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import jobs
from app.domain.accounts.models import User, UserProfile
from app.domain.accounts.passwords import PasswordHashing
from app.domain.events.models import Event, EventCategory
from app.domain.events.search import search_text
from app.domain.events.series import EventSeriesService
from app.domain.events.series_schemas import EventSeriesWrite
from app.domain.impact.schemas import ReportWrite
from app.domain.impact.services import ReportService, StatisticsService
from app.domain.jobs import defer_job
from app.domain.organizations.models import Organization, OrganizationMember, organization_followers
from app.domain.participation.models import EventParticipant
from app.domain.time import utcnow

logger = logging.getLogger("app.demo")

DEMO_PASSWORD = "Mutirao-demo-2026"  # noqa: S105 - printed on purpose: demo accounts only
DEMO_USERS = [
    # username, first name, last name, is_staff
    ("organizadora", "Ana", "Lima", False),
    ("voluntario", "Bruno", "Costa", False),
    ("equipe", "Carla", "Souza", True),
]
CITIES = [
    # city, state, latitude, longitude, timezone, place
    ("São Paulo", "SP", -23.5874, -46.6576, "America/Sao_Paulo", "Parque Ibirapuera"),
    ("São Paulo", "SP", -23.4870, -46.5300, "America/Sao_Paulo", "Parque Ecológico do Tietê"),
    ("Santos", "SP", -23.9700, -46.3300, "America/Sao_Paulo", "Praia do Gonzaga"),
    ("Campinas", "SP", -22.8960, -47.0630, "America/Sao_Paulo", "Lagoa do Taquaral"),
    ("Rio de Janeiro", "RJ", -22.9711, -43.1822, "America/Sao_Paulo", "Praia de Copacabana"),
    ("Niterói", "RJ", -22.9330, -43.0900, "America/Sao_Paulo", "Parque da Cidade"),
    ("Belo Horizonte", "MG", -19.8500, -43.9700, "America/Sao_Paulo", "Lagoa da Pampulha"),
    ("Curitiba", "PR", -25.4100, -49.2700, "America/Sao_Paulo", "Parque Barigui"),
    ("Florianópolis", "SC", -27.5900, -48.4400, "America/Sao_Paulo", "Lagoa da Conceição"),
    ("Porto Alegre", "RS", -30.0300, -51.2300, "America/Sao_Paulo", "Orla do Guaíba"),
    ("Salvador", "BA", -13.0100, -38.5300, "America/Bahia", "Praia do Porto da Barra"),
    ("Recife", "PE", -8.1200, -34.9000, "America/Recife", "Praia de Boa Viagem"),
    ("Fortaleza", "CE", -3.7200, -38.5000, "America/Fortaleza", "Praia de Iracema"),
    ("Belém", "PA", -1.4500, -48.4900, "America/Belem", "Parque do Utinga"),
    ("Manaus", "AM", -3.1000, -60.0200, "America/Manaus", "Praia da Ponta Negra"),
    ("Brasília", "DF", -15.7900, -47.8800, "America/Sao_Paulo", "Parque da Cidade Sarah Kubitschek"),
]
ACTIONS = {
    "Limpeza": ("Mutirão de limpeza — {place}", "Coleta de resíduos e triagem de recicláveis em {place}."),
    "Plantio": ("Plantio de mudas nativas — {place}", "Plantio de mudas de espécies nativas em {place}."),
    "Monitoramento": (
        "Monitoramento ambiental — {place}",
        "Medição da qualidade da água e registro de fauna em {place}.",
    ),
    "Educação": (
        "Oficina de educação ambiental — {place}",
        "Oficina aberta sobre resíduos e biodiversidade em {place}.",
    ),
}


async def load_demo_data(session: AsyncSession, hashing: PasswordHashing) -> bool:
    """Load the demo data unless it is already there; answer whether it was loaded now."""
    if await session.scalar(select(User.id).where(User.username == DEMO_USERS[0][0])) is not None:
        return False
    password_hash = await hashing.hash(DEMO_PASSWORD)
    users = []
    for username, first, last, is_staff in DEMO_USERS:
        user = User(
            username=username,
            email=f"{username}@demo.mutiroes.org",
            password_hash=password_hash,
            first_name=first,
            last_name=last,
            is_staff=is_staff,
        )
        user.profile = UserProfile(city="São Paulo", state="SP", bio="Conta de demonstração.")
        users.append(user)
    session.add_all(users)
    await session.flush()
    categories = {c.name: c for c in (await session.scalars(select(EventCategory))).all()}
    organizers = [users[0], users[2]]
    chooser = random.Random(2026)  # noqa: S311 - demo data, not secrets
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    events = []
    for number in range(50):
        city, state, latitude, longitude, timezone, place = CITIES[number % len(CITIES)]
        category = list(ACTIONS)[number % len(ACTIONS)]
        title, description = ACTIONS[category]
        start = now + dt.timedelta(days=chooser.randint(-60, 60), hours=chooser.choice([0, 2, 4]))
        status = "completed" if start < now else ("draft" if number % 17 == 0 else "published")
        if number % 23 == 0:
            status = "cancelled"
        capacity = chooser.choice([15, 20, 30, 50, 80])
        event = Event(
            title=title.format(place=place),
            description=description.format(place=place),
            category_id=categories[category].id,
            organizer_id=organizers[number % 2].id,
            address=place,
            latitude=latitude + chooser.uniform(-0.02, 0.02),
            longitude=longitude + chooser.uniform(-0.02, 0.02),
            city=city,
            state=state,
            start_date=start,
            end_date=start + dt.timedelta(hours=chooser.choice([2, 3, 4])),
            registration_deadline=start - dt.timedelta(days=1) if number % 3 == 0 else None,
            timezone=timezone,
            max_participants=capacity,
            status=status,
            what_to_bring="Água, protetor solar, chapéu e luvas.",
            provided_tools="Sacos de lixo e pinças." if category == "Limpeza" else "",
        )
        event.search_text = search_text(event.title, event.description, event.city)
        session.add(event)
        events.append(event)
    await session.flush()
    collective = await _collective(session, owner=users[0], organizer=users[2], followers=[users[1], users[2]])
    for event in events:
        if event.organizer_id == users[0].id:
            event.organization_id = collective.id
    await _saturday_beach_series(session, users[0], categories["Limpeza"].id, now, collective)
    held = [event for event in events if event.status == "completed"]
    await _past_impact(session, held, organizers=organizers, volunteer=users[1], chooser=chooser)
    return True


async def _collective(session: AsyncSession, *, owner: User, organizer: User, followers: list[User]) -> Organization:
    """An organization with an owner and an organizer, followed by two, running its owner's mutirões."""
    collective = Organization(
        name="Coletivo Maré Limpa",
        slug="mare-limpa",
        description="Voluntários que limpam as praias e os canais de Santos desde 2019.",
        city="Santos",
        state="SP",
        website="https://marelimpa.example.org",
        is_verified=True,
    )
    session.add(collective)
    await session.flush()
    session.add_all(
        [
            OrganizationMember(organization_id=collective.id, user_id=owner.id, role="owner"),
            OrganizationMember(organization_id=collective.id, user_id=organizer.id, role="organizer"),
        ]
    )
    for follower in followers:
        await session.execute(insert(organization_followers).values(organization_id=collective.id, user_id=follower.id))
    await session.flush()
    return collective


async def _saturday_beach_series(
    session: AsyncSession, organizer: User, category_id: int, now: dt.datetime, collective: Organization
) -> None:
    """A recurring mutirão of the collective: six Saturday-morning beach clean-ups in Santos, made by the series
    rules."""
    today = now.date()
    saturday = today + dt.timedelta(days=7 + (5 - today.weekday()) % 7)
    data = EventSeriesWrite(
        title="Limpeza de sábado — Praia do José Menino",
        description="Todo sábado de manhã: coleta de resíduos na areia e triagem de recicláveis.",
        category=category_id,
        address="Praia do José Menino, em frente ao canal 1",
        latitude=-23.9720,
        longitude=-46.3560,
        city="Santos",
        state="SP",
        start_date=dt.datetime.combine(saturday, dt.time(8, 0)),
        end_date=dt.datetime.combine(saturday, dt.time(11, 0)),
        timezone="America/Sao_Paulo",
        max_participants=40,
        status="published",
        what_to_bring="Água, protetor solar, chapéu e luvas.",
        provided_tools="Sacos de lixo e pinças.",
        recurrence="FREQ=WEEKLY;BYDAY=SA;COUNT=6",
        organization=collective.id,
    )
    await EventSeriesService(session).create(data, organizer)


async def _past_impact(
    session: AsyncSession, held: list[Event], *, organizers: list[User], volunteer: User, chooser: random.Random
) -> None:
    """The volunteer checked in at most past events and the organizers reported them: the statistics, badges,
    leaderboard and last month's impact report then come from the jobs, as they would in production."""
    organizer_of = {user.id: user for user in organizers}
    reports = ReportService(session)
    for number, event in enumerate(sorted(held, key=lambda e: e.start_date)):
        if number % 4 != 3:
            session.add(
                EventParticipant(
                    event_id=event.id,
                    user_id=volunteer.id,
                    status="confirmed",
                    joined_at=event.start_date - dt.timedelta(days=3),
                    checked_in=True,
                    check_in_time=event.start_date,
                )
            )
            event.participants_count += 1
            await session.flush()
        figures = ReportWrite(
            total_participants=chooser.randint(8, 40),
            trash_collected_kg=round(chooser.uniform(20, 300), 1) if "limpeza" in event.title.lower() else 0,
            recyclable_material_kg=round(chooser.uniform(5, 80), 1) if "limpeza" in event.title.lower() else 0,
            trees_planted=chooser.randint(20, 150) if "plantio" in event.title.lower() else 0,
            area_cleaned_m2=chooser.randint(500, 5000) if "limpeza" in event.title.lower() else 0,
            summary="Mutirão realizado com sucesso. Obrigado a todos que participaram!",
        )
        await reports.file(event.id, figures, organizer_of[event.organizer_id])
    await StatisticsService(session).queue_user_statistics(volunteer.id)
    await defer_job(session, jobs.GENERATE_MONTHLY_IMPACT_REPORT)  # last calendar month, for /api/reports/monthly/


def announce() -> None:
    names = ", ".join(username for username, *_ in DEMO_USERS)
    logger.warning("Demo data loaded: users %s (password %s); 'equipe' is staff.", names, DEMO_PASSWORD)
