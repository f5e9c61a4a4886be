"""Fill a migrated database with realistic load-test data: 2,000 volunteers and 20,000 mutirões across Brazil.

    uv run python -m tests.load.seed --database-url postgresql://postgres@127.0.0.1:5432/DBNAME [--events 20000]
        [--users 2000] [--reset]

Rows are generated in Python from a fixed random seed and written with `COPY ... FROM STDIN`, so a full
run takes seconds. Their ids come from the identity columns, in insertion order: the same seed gives the same
rows in the same order (a reseeded database numbers them on from its last id). Load users are
`load_user_0001`… (`…@load.example`, password `Carga-verde-2026`); load events are the events they organise.
A second run refuses to touch the database unless `--reset` is given, which first deletes the load users,
their events and whatever references them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from argon2 import PasswordHasher
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.json import Jsonb

from app.domain.events.search import normalize, search_text

PASSWORD = "Carga-verde-2026"
USERNAME_PREFIX = "load_user_"
EMAIL_DOMAIN = "load.example"
RANDOM_SEED = 2026
JITTER_DEGREES = 0.15
HORIZON_DAYS = 180
UPCOMING_SHARE = 0.60
ORGANIZER_SHARE = 0.15
LIMPEZA = 1  # categories have stable ids (migration 0015): Limpeza 1, Plantio 2, Monitoramento 3, Educação 4

SAO_PAULO = "America/Sao_Paulo"
MANAUS = "America/Manaus"
BELEM = "America/Belem"
FORTALEZA = "America/Fortaleza"
RIO_BRANCO = "America/Rio_Branco"


@dataclass(frozen=True)
class City:
    name: str
    state: str
    latitude: float
    longitude: float
    weight: float
    timezone: str
    beach: str | None
    park: str
    water: str


# name, state, latitude, longitude, weight (share of events), timezone
CITY_ROWS: tuple[tuple[str, str, float, float, float, str], ...] = (
    ("São Paulo", "SP", -23.5505, -46.6333, 15, SAO_PAULO),
    ("Rio de Janeiro", "RJ", -22.9068, -43.1729, 8, SAO_PAULO),
    ("Santos", "SP", -23.9608, -46.3336, 3, SAO_PAULO),
    ("Campinas", "SP", -22.9056, -47.0608, 3, SAO_PAULO),
    ("Belo Horizonte", "MG", -19.9167, -43.9345, 5, SAO_PAULO),
    ("Curitiba", "PR", -25.4284, -49.2733, 4, SAO_PAULO),
    ("Porto Alegre", "RS", -30.0346, -51.2177, 4, SAO_PAULO),
    ("Salvador", "BA", -12.9714, -38.5014, 4.5, FORTALEZA),
    ("Recife", "PE", -8.0476, -34.8770, 4, FORTALEZA),
    ("Fortaleza", "CE", -3.7319, -38.5267, 4, FORTALEZA),
    ("Manaus", "AM", -3.1190, -60.0217, 3, MANAUS),
    ("Belém", "PA", -1.4558, -48.4902, 2.5, BELEM),
    ("Brasília", "DF", -15.7939, -47.8828, 4.5, SAO_PAULO),
    ("Florianópolis", "SC", -27.5954, -48.5480, 3.5, SAO_PAULO),
    ("Vitória", "ES", -20.3155, -40.3128, 1.5, SAO_PAULO),
    ("Goiânia", "GO", -16.6869, -49.2648, 2.5, SAO_PAULO),
    ("Natal", "RN", -5.7945, -35.2110, 1.5, FORTALEZA),
    ("João Pessoa", "PB", -7.1195, -34.8450, 1.5, FORTALEZA),
    ("Maceió", "AL", -9.6498, -35.7089, 1.5, FORTALEZA),
    ("Aracaju", "SE", -10.9472, -37.0731, 1, FORTALEZA),
    ("Teresina", "PI", -5.0892, -42.8019, 1, FORTALEZA),
    ("São Luís", "MA", -2.5307, -44.3068, 1.5, FORTALEZA),
    ("Cuiabá", "MT", -15.6014, -56.0979, 1, MANAUS),
    ("Campo Grande", "MS", -20.4697, -54.6201, 1, MANAUS),
    ("Porto Velho", "RO", -8.7612, -63.9004, 0.7, MANAUS),
    ("Rio Branco", "AC", -9.9747, -67.8243, 0.6, RIO_BRANCO),
    ("Macapá", "AP", 0.0349, -51.0694, 0.6, BELEM),
    ("Boa Vista", "RR", 2.8235, -60.6758, 0.6, MANAUS),
    ("Palmas", "TO", -10.1844, -48.3336, 0.8, SAO_PAULO),
    ("Niterói", "RJ", -22.8832, -43.1034, 2.3, SAO_PAULO),
    ("Guarulhos", "SP", -23.4538, -46.5333, 2.5, SAO_PAULO),
    ("Sorocaba", "SP", -23.5015, -47.4526, 1.2, SAO_PAULO),
    ("Ribeirão Preto", "SP", -21.1704, -47.8103, 1.5, SAO_PAULO),
    ("Londrina", "PR", -23.3045, -51.1696, 1.2, SAO_PAULO),
    ("Joinville", "SC", -26.3045, -48.8487, 1.2, SAO_PAULO),
    ("Caxias do Sul", "RS", -29.1678, -51.1794, 1, SAO_PAULO),
    ("Uberlândia", "MG", -18.9186, -48.2772, 1.2, SAO_PAULO),
    ("Juiz de Fora", "MG", -21.7642, -43.3496, 1, SAO_PAULO),
    ("Ilhéus", "BA", -14.7936, -39.0463, 0.8, FORTALEZA),
    ("Paraty", "RJ", -23.2178, -44.7131, 0.8, SAO_PAULO),
)
# beach (None inland), park, water: with their article, so titles read naturally ("da Praia de …", "no Parque …").
PLACES: dict[str, tuple[str | None, str, str]] = {
    "São Paulo": (None, "no Parque Ibirapuera", "do Rio Tietê"),
    "Rio de Janeiro": ("da Praia de Copacabana", "no Parque Lage", "do Rio Carioca"),
    "Santos": ("da Praia do Gonzaga", "no Orquidário de Santos", "do Canal 3"),
    "Campinas": (None, "no Parque Taquaral", "do Rio Atibaia"),
    "Belo Horizonte": (None, "no Parque das Mangabeiras", "da Lagoa da Pampulha"),
    "Curitiba": (None, "no Parque Barigui", "do Rio Belém"),
    "Porto Alegre": ("da Praia de Ipanema", "no Parque Farroupilha", "do Lago Guaíba"),
    "Salvador": ("da Praia de Itapuã", "no Parque da Cidade", "do Rio Camurujipe"),
    "Recife": ("da Praia de Boa Viagem", "no Parque da Jaqueira", "do Rio Capibaribe"),
    "Fortaleza": ("da Praia de Iracema", "no Parque do Cocó", "do Rio Cocó"),
    "Manaus": ("da Praia da Ponta Negra", "no Parque do Mindu", "do Rio Negro"),
    "Belém": (None, "no Parque do Utinga", "do Rio Guamá"),
    "Brasília": (None, "no Parque da Cidade", "do Lago Paranoá"),
    "Florianópolis": ("da Praia da Joaquina", "no Parque do Córrego Grande", "do Rio Tavares"),
    "Vitória": ("da Praia de Camburi", "no Parque da Pedra da Cebola", "do Rio Santa Maria"),
    "Goiânia": (None, "no Parque Vaca Brava", "do Rio Meia Ponte"),
    "Natal": ("da Praia de Ponta Negra", "no Parque das Dunas", "do Rio Potengi"),
    "João Pessoa": ("da Praia de Tambaú", "no Parque Arruda Câmara", "do Rio Jaguaribe"),
    "Maceió": ("da Praia de Pajuçara", "no Parque Municipal de Maceió", "da Lagoa Mundaú"),
    "Aracaju": ("da Praia de Atalaia", "no Parque da Sementeira", "do Rio Sergipe"),
    "Teresina": (None, "no Parque Potycabana", "do Rio Poti"),
    "São Luís": ("da Praia do Calhau", "no Parque do Bom Menino", "do Rio Anil"),
    "Cuiabá": (None, "no Parque Mãe Bonifácia", "do Rio Cuiabá"),
    "Campo Grande": (None, "no Parque das Nações Indígenas", "do Rio Anhanduí"),
    "Porto Velho": (None, "no Parque Natural de Porto Velho", "do Rio Madeira"),
    "Rio Branco": (None, "no Parque Chico Mendes", "do Rio Acre"),
    "Macapá": ("da Praia da Fazendinha", "no Parque do Forte", "do Rio Amazonas"),
    "Boa Vista": ("da Praia Grande", "no Parque Anauá", "do Rio Branco"),
    "Palmas": ("da Praia da Graciosa", "no Parque Cesamar", "do Rio Tocantins"),
    "Niterói": ("da Praia de Icaraí", "no Parque da Cidade", "da Lagoa de Piratininga"),
    "Guarulhos": (None, "no Bosque Maia", "do Rio Baquirivu"),
    "Sorocaba": (None, "no Parque Chico Mendes", "do Rio Sorocaba"),
    "Ribeirão Preto": (None, "no Parque Curupira", "do Rio Pardo"),
    "Londrina": (None, "no Parque Arthur Thomas", "do Lago Igapó"),
    "Joinville": (None, "no Parque da Cidade", "do Rio Cachoeira"),
    "Caxias do Sul": (None, "no Parque dos Macaquinhos", "do Arroio Tega"),
    "Uberlândia": (None, "no Parque do Sabiá", "do Rio Uberabinha"),
    "Juiz de Fora": (None, "no Parque da Lajinha", "do Rio Paraibuna"),
    "Ilhéus": ("da Praia dos Milionários", "no Parque da Boa Esperança", "do Rio Cachoeira"),
    "Paraty": ("da Praia do Jabaquara", "no Parque da Serra da Bocaina", "do Rio Perequê-Açu"),
}
CITIES: tuple[City, ...] = tuple(City(*row, *PLACES[row[0]]) for row in CITY_ROWS)

FIRST_NAMES = (
    "Ana", "Bruno", "Camila", "Daniel", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela", "João",
    "Juliana", "Lucas", "Mariana", "Mateus", "Natália", "Otávio", "Paula", "Rafael", "Sofia", "Thiago",
    "Valentina", "Vinícius", "Larissa", "Gustavo", "Beatriz", "Pedro", "Letícia", "Caio", "Helena", "Davi",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
    "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa",
    "Rocha", "Dias", "Nascimento", "Andrade", "Moreira", "Nunes", "Marques", "Machado", "Mendes", "Freitas",
)  # fmt: skip
STREETS = (
    "Rua das Palmeiras", "Avenida Beira-Mar", "Rua dos Ipês", "Avenida Brasil", "Rua Sete de Setembro",
    "Rua XV de Novembro", "Avenida Getúlio Vargas", "Rua das Acácias", "Rua Tiradentes", "Avenida Atlântica",
    "Rua do Comércio", "Rua Santos Dumont", "Avenida Rio Branco", "Rua dos Jacarandás", "Rua da Praia",
)  # fmt: skip
BIOS = (
    "Voluntária em mutirões de limpeza desde 2019.",
    "Gosto de plantar árvores nos fins de semana.",
    "Biólogo, apaixonado por rios urbanos.",
    "Professora de ciências e educadora ambiental.",
    "",
)
CLOSINGS = (
    "Haverá café da manhã coletivo.",
    "Ao final, roda de conversa sobre os resultados.",
    "Em caso de chuva forte, a atividade será remarcada.",
    "Certificado de horas de voluntariado para quem participar.",
)
MONTHS = (
    "janeiro", "fevereiro", "março", "abril", "maio", "junho",
    "julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
)  # fmt: skip


@dataclass(frozen=True)
class Theme:
    """What an event of one category is about: titles, a description opening and its kit."""

    keyword: str  # matched against the accent-free category name
    titles: tuple[str, ...]
    pitch: str
    required_tools: str
    provided_tools: str
    what_to_bring: str


THEMES: tuple[Theme, ...] = (
    Theme(
        "limpeza",
        ("Mutirão de limpeza {beach}", "Mutirão de limpeza das margens {water}", "Limpeza de resíduos {park}"),
        "Vamos recolher plástico, vidro e bitucas e separar tudo para a reciclagem.",
        "",
        "Luvas, sacos de lixo e pegadores",
        "Garrafa de água, boné e protetor solar",
    ),
    Theme(
        "plantio",
        ("Plantio de mudas nativas {park}", "Reflorestamento das margens {water}", "Horta comunitária {park}"),
        "Plantaremos mudas de espécies nativas da Mata Atlântica e do Cerrado com orientação de técnicos.",
        "Enxada ou pá, se tiver",
        "Mudas, adubo e regadores",
        "Roupas que possam sujar, água e lanche",
    ),
    Theme(
        "monitor",
        ("Monitoramento da qualidade da água {water}", "Contagem de aves {park}", "Monitoramento de lixo {beach}"),
        "Coletaremos amostras e registraremos os dados num protocolo aberto, compartilhado com a prefeitura.",
        "Celular com câmera",
        "Kits de análise, pranchetas e binóculos",
        "Caderno, caneta e garrafa de água",
    ),
    Theme(
        "educa",
        ("Oficina de educação ambiental em {city}", "Oficina de compostagem {park}", "Trilha interpretativa {park}"),
        "Uma conversa prática sobre resíduos, água e biodiversidade, aberta a famílias e escolas.",
        "",
        "Material didático e lanche",
        "Disposição para aprender e ensinar",
    ),
)


@dataclass(frozen=True)
class Category:
    id: int
    theme: Theme


@dataclass(frozen=True)
class Seeded:
    users: int
    events: int


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.load.seed", description="Fill a migrated database with load-test data."
    )
    parser.add_argument("--database-url", required=True, help="postgresql://user@host:5432/db, already migrated")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--reset", action="store_true", help="delete the load users and their events first")
    args = parser.parse_args(argv)
    if args.users < 1 or args.events < 0:
        parser.error("--users must be at least 1 and --events not negative")
    return args


def libpq_url(url: str) -> str:
    """Accept the application's SQLAlchemy URLs too (postgresql+asyncpg://…)."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+')[0]}{sep}{rest}"


def username(number: int, width: int) -> str:
    return f"{USERNAME_PREFIX}{number:0{width}d}"


# --- users -------------------------------------------------------------------------------------


USER_COLUMNS = (
    "username", "email", "password_hash", "first_name", "last_name", "is_staff", "is_active",
    "language", "password_changed_at", "created_at", "updated_at",
)  # fmt: skip
PROFILE_COLUMNS = (
    "user_id", "phone", "birth_date", "bio", "avatar_url", "city", "state", "zip_code", "interests",
    "notification_preferences", "is_public_profile", "show_participation_history", "total_events_participated",
    "total_hours_volunteered", "created_at", "updated_at",
)  # fmt: skip
NOTIFICATIONS = {
    "email_new_events": True,
    "email_event_reminders": True,
    "email_event_updates": True,
    "email_badge_earned": True,
}


def user_row(rng: random.Random, number: int, width: int, password_hash: str, now: dt.datetime) -> tuple[Any, ...]:
    name = username(number, width)
    joined = now - dt.timedelta(days=rng.uniform(1, 730))
    first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return (
        name, f"{name}@{EMAIL_DOMAIN}", password_hash, first_name, last_name, False, True, "pt-BR",
        None, joined, joined,
    )  # fmt: skip


def profile_row(
    rng: random.Random, user_id: int, joined: dt.datetime, categories: Sequence[Category]
) -> tuple[Any, ...]:
    city = rng.choices(CITIES, [c.weight for c in CITIES])[0]
    phone = f"+55 {rng.randint(11, 99)} 9{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"
    birth_date = (
        None if rng.random() < 0.2 else dt.date(rng.randint(1955, 2008), rng.randint(1, 12), rng.randint(1, 28))
    )
    zip_code = f"{rng.randint(1000, 99999):05d}-{rng.randint(0, 999):03d}"
    interests = [c.id for c in rng.sample(list(categories), rng.randint(0, len(categories)))]
    events_done = rng.randint(0, 40)
    hours = Decimal(events_done * rng.choice((2, 3, 4))).quantize(Decimal("0.01"))
    return (
        user_id, phone, birth_date, rng.choice(BIOS), "", city.name, city.state, zip_code, interests,
        Jsonb(NOTIFICATIONS), rng.random() < 0.9, rng.random() < 0.8, events_done, hours, joined, joined,
    )  # fmt: skip


# --- events ------------------------------------------------------------------------------------


EVENT_COLUMNS = (
    "title", "description", "category_id", "organizer_id", "address", "latitude", "longitude", "city", "state",
    "start_date", "end_date", "registration_deadline", "timezone", "max_participants", "min_age", "max_age", "status",
    "is_public", "requires_approval", "required_tools", "provided_tools", "what_to_bring", "cover_image_url",
    "participants_count", "waitlist_count", "pending_count", "search_text", "created_at", "updated_at",
)  # fmt: skip


def jitter(rng: random.Random, city: City) -> tuple[float, float]:
    # A uniform radius (not area) keeps events denser near the centre, as in real cities.
    radius = rng.uniform(0, JITTER_DEGREES)
    angle = rng.uniform(0, 2 * math.pi)
    return round(city.latitude + radius * math.sin(angle), 6), round(city.longitude + radius * math.cos(angle), 6)


def start_time(rng: random.Random, city: City, now: dt.datetime) -> dt.datetime:
    """A morning or afternoon start, local to the city, within ±HORIZON_DAYS of now."""
    days = rng.uniform(0, HORIZON_DAYS) if rng.random() < UPCOMING_SHARE else -rng.uniform(1, HORIZON_DAYS)
    day = (now + dt.timedelta(days=days)).astimezone(ZoneInfo(city.timezone)).date()
    local = dt.datetime.combine(day, dt.time(rng.randint(7, 16), rng.choice((0, 30))), ZoneInfo(city.timezone))
    return local.astimezone(dt.UTC)


def pick_status(rng: random.Random, past: bool) -> str:
    """90% published, 4% draft, 3% cancelled, 3% completed overall; only past events are completed."""
    if past and rng.random() < 0.03 / (1 - UPCOMING_SHARE):
        return "completed"
    return rng.choices(("published", "draft", "cancelled"), (90, 4, 3))[0]


def title_for(rng: random.Random, theme: Theme, city: City, start: dt.datetime) -> str:
    templates = [t for t in theme.titles if city.beach is not None or "{beach}" not in t]
    title = rng.choice(templates).format(beach=city.beach, park=city.park, water=city.water, city=city.name)
    if rng.random() < 0.5:
        title += f" — {MONTHS[start.month - 1]} de {start.year}"
    return title


def description_for(rng: random.Random, theme: Theme, city: City, address: str, hours: float) -> str:
    duration = f"{hours:g}".replace(".", ",")  # Portuguese decimal comma
    return (
        f"{theme.pitch} Ponto de encontro: {address}, {city.name} ({city.state}). "
        f"Duração prevista de {duration} horas; crianças acompanhadas dos responsáveis são bem-vindas. "
        f"{rng.choice(CLOSINGS)}"
    )


def counters(rng: random.Random, status: str, capacity: int, requires_approval: bool) -> tuple[int, int, int]:
    """participants, waitlist, pending: never above capacity, a waitlist only when full."""
    if status == "draft":
        return 0, 0, 0
    participants = capacity if rng.random() < 0.08 else rng.randint(0, capacity)
    waitlist = rng.randint(0, 20) if participants == capacity else 0
    pending = rng.randint(0, 5) if requires_approval else 0
    return participants, waitlist, pending


def event_row(
    rng: random.Random, number: int, categories: Sequence[Category], organizers: Sequence[int], now: dt.datetime
) -> tuple[Any, ...]:
    city = rng.choices(CITIES, [c.weight for c in CITIES])[0]
    category = rng.choice(categories)
    latitude, longitude = jitter(rng, city)
    start = start_time(rng, city, now)
    hours = rng.choice((2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6))
    deadline = start - dt.timedelta(days=1) if rng.random() < 0.5 else None
    status = pick_status(rng, past=start < now)
    capacity = rng.randint(10, 200)
    requires_approval = rng.random() < 0.1
    participants, waitlist, pending = counters(rng, status, capacity, requires_approval)
    address = f"{rng.choice(STREETS)}, {rng.randint(1, 2500)}"
    title = title_for(rng, category.theme, city, start)
    description = description_for(rng, category.theme, city, address, hours)
    created = min(now, start - dt.timedelta(days=rng.uniform(3, 60)))
    cover = f"https://images.{EMAIL_DOMAIN}/events/{number:05d}.jpg" if rng.random() < 0.3 else ""
    return (
        title, description, category.id, rng.choice(organizers), address, latitude, longitude,
        city.name, city.state, start, start + dt.timedelta(hours=hours), deadline, city.timezone, capacity, 16,
        None, status, rng.random() < 0.95, requires_approval, category.theme.required_tools,
        category.theme.provided_tools, category.theme.what_to_bring, cover, participants, waitlist, pending,
        search_text(title, description, city.name), created, created,
    )  # fmt: skip


def event_rows(
    rng: random.Random, count: int, categories: Sequence[Category], user_ids: Sequence[int], now: dt.datetime
) -> Iterator[tuple[Any, ...]]:
    # A minority of volunteers organise: most events come from a few hundred people.
    organizers = user_ids[: max(1, int(len(user_ids) * ORGANIZER_SHARE))]
    for number in range(1, count + 1):
        yield event_row(rng, number, categories, organizers, now)


# --- database ----------------------------------------------------------------------------------


def read_categories(conn: psycopg.Connection[Any]) -> list[Category]:
    rows = conn.execute("SELECT id, name FROM event_categories ORDER BY id").fetchall()
    if not rows:
        raise SystemExit("event_categories is empty: is the database migrated?")
    categories = []
    for index, (category_id, name) in enumerate(rows):
        theme = next((t for t in THEMES if t.keyword in normalize(name)), THEMES[index % len(THEMES)])
        categories.append(Category(category_id, theme))
    return categories


LOAD_USER_PATTERNS = (USERNAME_PREFIX.replace("_", r"\_") + "%", f"%@{EMAIL_DOMAIN}")


def load_user_ids(conn: psycopg.Connection[Any]) -> list[int]:
    """The load users' ids by username: the order they were inserted in."""
    query = "SELECT id FROM users WHERE username LIKE %s AND email LIKE %s ORDER BY username"
    return [row[0] for row in conn.execute(query, LOAD_USER_PATTERNS)]


def load_users_exist(conn: psycopg.Connection[Any]) -> bool:
    # Any load user, not only load_user_0001: a run with --users 20000 names them load_user_00001….
    query = "SELECT 1 FROM users WHERE username LIKE %s AND email LIKE %s LIMIT 1"
    return conn.execute(query, LOAD_USER_PATTERNS).fetchone() is not None


def delete_load_data(conn: psycopg.Connection[Any]) -> None:
    """Delete load users, their events, and rows of any table pointing at either (one level of foreign keys)."""
    conn.execute(
        "CREATE TEMP TABLE load_users ON COMMIT DROP AS SELECT id FROM users WHERE username LIKE %s AND email LIKE %s",
        LOAD_USER_PATTERNS,
    )
    conn.execute(
        "CREATE TEMP TABLE load_events ON COMMIT DROP AS "
        "SELECT id FROM events WHERE organizer_id IN (SELECT id FROM load_users)"
    )
    # Later features (participations, comments, …) reference events and users; find them rather than list them.
    references = conn.execute(
        """
        SELECT ns.nspname, rel.relname, att.attname, c.confrelid::regclass::text
        FROM pg_constraint c
        JOIN pg_class rel ON rel.oid = c.conrelid
        JOIN pg_namespace ns ON ns.oid = rel.relnamespace
        JOIN pg_attribute att ON att.attrelid = c.conrelid AND att.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
          AND c.confrelid IN ('events'::regclass, 'users'::regclass)
        ORDER BY c.confrelid = 'users'::regclass, rel.relname
        """
    ).fetchall()
    for schema, table, column, target in references:
        if (table, column) == ("events", "organizer_id"):
            continue
        source = "load_events" if target == "events" else "load_users"
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE {} IN (SELECT id FROM {})").format(
                sql.Identifier(schema, table), sql.Identifier(column), sql.Identifier(source)
            )
        )
    conn.execute("DELETE FROM events WHERE id IN (SELECT id FROM load_events)")
    conn.execute("DELETE FROM users WHERE id IN (SELECT id FROM load_users)")


def copy_rows(
    conn: psycopg.Connection[Any], table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]
) -> int:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    written = 0
    cursor = conn.cursor()
    # A writer thread sends to the server while this one generates: both cores stay busy.
    with cursor, cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def seed(conn: psycopg.Connection[Any], *, users: int, events: int, reset: bool) -> Seeded:
    if load_users_exist(conn):
        if not reset:
            print(
                f"{username(1, 4)}… already exist: this database is seeded. Use --reset to replace the load data.",
                file=sys.stderr,
            )
            raise SystemExit(2)
        delete_load_data(conn)
    # Reproducible data, not secrets: the standard generator with a fixed seed is the point.
    rng = random.Random(RANDOM_SEED)  # noqa: S311
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    categories = read_categories(conn)
    # Hashed once: 2,000 Argon2 hashes would dominate the run, and every load user shares the password.
    password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    width = max(4, len(str(users)))
    user_list = [user_row(rng, number, width, password_hash, now) for number in range(1, users + 1)]
    copy_rows(conn, "users", USER_COLUMNS, iter(user_list))
    user_ids = load_user_ids(conn)
    # The last column of a user row is its updated_at: when the volunteer joined.
    profiles = (
        profile_row(rng, user_id, user[-1], categories) for user_id, user in zip(user_ids, user_list, strict=True)
    )
    copy_rows(conn, "user_profiles", PROFILE_COLUMNS, profiles)
    written = copy_rows(conn, "events", EVENT_COLUMNS, event_rows(rng, events, categories, user_ids, now))
    return Seeded(users=len(user_list), events=written)


def analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        # VACUUM sets the visibility map (index-only scans); events is left out of the plain ANALYZE because
        # its text-search expression index makes every ANALYZE of it cost seconds.
        conn.execute("VACUUM ANALYZE events")
        conn.execute("ANALYZE users, user_profiles, event_categories")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    url = libpq_url(args.database_url)
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        seeded = seed(conn, users=args.users, events=args.events, reset=args.reset)
    loaded = time.perf_counter()
    analyze(url)
    finished = time.perf_counter()
    print(
        f"Seeded {seeded.users:,} users and {seeded.events:,} events in {finished - started:.1f} s "
        f"(generate + COPY {loaded - started:.1f} s, ANALYZE + VACUUM {finished - loaded:.1f} s)."
    )
    print(f"Every load user's password is {PASSWORD!r}.")


if __name__ == "__main__":
    main()
