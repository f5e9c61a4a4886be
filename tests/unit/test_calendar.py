"""The iCalendar document of an event (RFC 5545), checked with a small parser of its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest

from app.domain.events.calendar import CalendarEvent, calendar_ics, event_ics

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)
LONG_TITLE = (
    "Mutirão de reflorestamento e educação ambiental na Área de Proteção Ambiental da Serra da Cantareira, "
    "com plantio de mudas nativas, coleta de lixo e oficinas para crianças"
)
LONG_DESCRIPTION = (
    "Traga protetor solar, chapéu, garrafa d'água e luvas. Haverá café da manhã às 8h e almoço às 12h30.\n"
    "Ponto de encontro: portão principal; estacionamento gratuito. Crianças acompanhadas são bem-vindas!\n"
    "Ações: plantio de ipês, jatobás e paineiras; manutenção de trilhas; oficina de compostagem e "
    "separação de resíduos. Não há custo de inscrição — basta confirmar presença."
)


def make_event(**changes: object) -> CalendarEvent:
    values: dict[str, object] = {
        "uid": "6f1c2a3e-8b4d-4c6e-9a1f-2d3b4c5e6f70",
        "title": "Limpeza da Praia de Copacabana",
        "description": "Traga luvas e protetor solar.",
        "address": "Av. Atlântica, 1702",
        "city": "Rio de Janeiro",
        "state": "RJ",
        "latitude": -22.9711,
        "longitude": -43.1822,
        "start": dt.datetime(2026, 12, 13, 12, 0, tzinfo=dt.UTC),
        "end": dt.datetime(2026, 12, 13, 15, 0, tzinfo=dt.UTC),
        "timezone": "America/Sao_Paulo",
        "url": "https://mutiroes.org/eventos/6f1c2a3e-8b4d-4c6e-9a1f-2d3b4c5e6f70",
        "organizer_name": "Instituto Mar Vivo",
        "status": "published",
        "updated_at": dt.datetime(2026, 11, 1, 9, 15, 30, tzinfo=dt.UTC),
    }
    values.update(changes)
    return CalendarEvent(**values)  # type: ignore[arg-type]


@dataclass
class Property:
    name: str
    params: dict[str, str]
    value: str


@dataclass
class Component:
    name: str
    properties: list[Property] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        return [prop.value for prop in self.properties if prop.name == name]

    def value(self, name: str) -> str:
        (found,) = self.values(name)
        return found

    def prop(self, name: str) -> Property:
        (found,) = [prop for prop in self.properties if prop.name == name]
        return found

    def child(self, name: str) -> Component:
        (found,) = [child for child in self.children if child.name == name]
        return found


def unfold(document: str) -> list[str]:
    """Content lines: a CRLF followed by one space continues the previous line."""
    assert document.endswith("\r\n")
    return document[: -len("\r\n")].replace("\r\n ", "").split("\r\n")


def parse_line(line: str) -> Property:
    name_end = min(index for index in (line.find(";"), line.find(":")) if index >= 0)
    name, rest = line[:name_end], line[name_end:]
    params: dict[str, str] = {}
    quoted = False
    current = ""
    index = 0
    while index < len(rest):
        char = rest[index]
        if char == '"':
            quoted = not quoted
        elif char in ";:" and not quoted:
            if current:
                key, _, raw = current.partition("=")
                params[key] = raw.strip('"')
            current = ""
            if char == ":":
                return Property(name, params, rest[index + 1 :])
        else:
            current += char
        index += 1
    raise AssertionError(f"no value in {line!r}")


def parse(document: str) -> Component:
    """The document as nested components; BEGIN/END must pair up exactly."""
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(document):
        prop = parse_line(line)
        if prop.name == "BEGIN":
            component = Component(prop.value)
            if stack:
                stack[-1].children.append(component)
            else:
                assert root is None, "a second top-level component"
                root = component
            stack.append(component)
        elif prop.name == "END":
            assert stack and stack[-1].name == prop.value, f"END:{prop.value} does not close {stack[-1].name}"
            stack.pop()
        else:
            assert stack, f"{line!r} outside any component"
            stack[-1].properties.append(prop)
    assert not stack, "unclosed components"
    assert root is not None
    return root


def unescape(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            assert char not in ",;", f"unescaped {char!r} in {value!r}"
            out.append(char)
    return "".join(out)


def render(**changes: object) -> str:
    return event_ics(make_event(**changes), now=NOW)


def vevent(**changes: object) -> Component:
    return parse(render(**changes)).child("VEVENT")


def vtimezone(**changes: object) -> Component:
    return parse(render(**changes)).child("VTIMEZONE")


def observance_at(zone: Component, local: dt.datetime) -> Component:
    """The STANDARD/DAYLIGHT sub-component in force at a local time: the one with the latest onset before it."""
    stamp = local.strftime("%Y%m%dT%H%M%S")
    onsets = [
        (onset, child)
        for child in zone.children
        for onset in [child.value("DTSTART"), *(date for rdate in child.values("RDATE") for date in rdate.split(","))]
        if onset <= stamp
    ]
    assert onsets, f"no observance covers {stamp}"
    return max(onsets, key=lambda pair: pair[0])[1]


def offset_text(offset: dt.timedelta | None) -> str:
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def test_every_line_ends_with_crlf_and_no_line_is_longer_than_75_octets() -> None:
    document = render(title=LONG_TITLE, description=LONG_DESCRIPTION)
    assert document.endswith("\r\n")
    assert "\n" not in document.replace("\r\n", "")
    assert "\r" not in document.replace("\r\n", "")
    physical = document.split("\r\n")[:-1]
    assert max(len(line.encode("utf-8")) for line in physical) <= 75
    assert any(line.startswith(" ") for line in physical), "the long title must be folded"


def test_folding_round_trips_long_portuguese_text_when_unfolded() -> None:
    event = vevent(title=LONG_TITLE, description=LONG_DESCRIPTION)
    assert unescape(event.value("SUMMARY")) == LONG_TITLE
    assert unescape(event.value("DESCRIPTION")) == LONG_DESCRIPTION


@pytest.mark.parametrize("text", ["ç" * 120, "a" + "ã" * 120, "🌳" * 60, "ab" + "🌳" * 60, "x" * 200])
def test_folding_never_splits_a_multi_byte_character(text: str) -> None:
    document = render(title=text)
    for line in document.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75
        assert not line.startswith("  "), "a continuation line starts with exactly one space"
    assert unescape(parse(document).child("VEVENT").value("SUMMARY")) == text


def test_long_lines_use_the_whole_75_octets_before_folding() -> None:
    physical = render(title="x" * 200).split("\r\n")
    summary = next(index for index, line in enumerate(physical) if line.startswith("SUMMARY:"))
    assert len(physical[summary]) == 75
    assert physical[summary + 1].startswith(" ") and len(physical[summary + 1]) == 75


def test_text_values_escape_backslash_semicolon_comma_and_newlines() -> None:
    event = vevent(title="Praia, rio; mangue \\ lagoa", description="Linha 1\nLinha 2\r\nLinha 3\rfim")
    assert event.value("SUMMARY") == "Praia\\, rio\\; mangue \\\\ lagoa"
    assert event.value("DESCRIPTION") == "Linha 1\\nLinha 2\\nLinha 3\\nfim"
    assert unescape(event.value("DESCRIPTION")) == "Linha 1\nLinha 2\nLinha 3\nfim"


def test_control_characters_are_dropped_from_text() -> None:
    assert vevent(title="Mutirão\x00\x07 da\tpraia").value("SUMMARY") == "Mutirão da\tpraia"


def test_the_calendar_declares_version_product_scale_and_method() -> None:
    calendar = parse(render())
    assert calendar.name == "VCALENDAR"
    assert calendar.value("VERSION") == "2.0"
    assert calendar.value("PRODID") == "-//Mutiroes//Mutiroes API//PT-BR"
    assert calendar.value("CALSCALE") == "GREGORIAN"
    assert calendar.value("METHOD") == "PUBLISH"


def test_there_is_exactly_one_vevent_and_every_begin_has_its_end() -> None:
    document = render(title=LONG_TITLE, description=LONG_DESCRIPTION, timezone="America/New_York")
    lines = unfold(document)
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    calendar = parse(document)  # asserts the nesting
    assert [child.name for child in calendar.children] == ["VTIMEZONE", "VEVENT"]
    for kind in ("VCALENDAR", "VTIMEZONE", "STANDARD", "DAYLIGHT", "VEVENT"):
        assert lines.count(f"BEGIN:{kind}") == lines.count(f"END:{kind}")


def test_start_and_end_are_local_times_with_the_event_timezone() -> None:
    event = vevent()
    assert event.prop("DTSTART") == Property("DTSTART", {"TZID": "America/Sao_Paulo"}, "20261213T090000")
    assert event.prop("DTEND") == Property("DTEND", {"TZID": "America/Sao_Paulo"}, "20261213T120000")


def test_start_given_in_another_offset_is_converted_into_the_event_timezone() -> None:
    lisbon = ZoneInfo("Europe/Lisbon")
    event = vevent(
        start=dt.datetime(2026, 12, 13, 12, 0, tzinfo=lisbon), end=dt.datetime(2026, 12, 14, 1, tzinfo=lisbon)
    )
    assert event.value("DTSTART") == "20261213T090000"
    assert event.value("DTEND") == "20261213T220000"


def test_manaus_times_are_four_hours_behind_utc() -> None:
    event = vevent(timezone="America/Manaus")
    assert event.prop("DTSTART") == Property("DTSTART", {"TZID": "America/Manaus"}, "20261213T080000")
    assert event.prop("DTEND") == Property("DTEND", {"TZID": "America/Manaus"}, "20261213T110000")
    (standard,) = vtimezone(timezone="America/Manaus").children
    assert (standard.value("TZOFFSETFROM"), standard.value("TZOFFSETTO")) == ("-0400", "-0400")


def test_a_zone_without_transitions_has_a_single_standard_observance_since_1970() -> None:
    zone = vtimezone()
    assert zone.value("TZID") == "America/Sao_Paulo"
    (standard,) = zone.children
    assert standard.name == "STANDARD"
    assert standard.value("DTSTART") == "19700101T000000"
    assert standard.value("TZOFFSETFROM") == "-0300"
    assert standard.value("TZOFFSETTO") == "-0300"
    assert standard.value("TZNAME") == "-03"


@pytest.mark.parametrize(
    ("timezone", "standard", "daylight"),
    [
        # (onset in 2026, offset, name) of each observance; the onset is local time before the change.
        ("America/New_York", ("20261101T020000", "-0500", "EST"), ("20260308T020000", "-0400", "EDT")),
        ("Europe/Lisbon", ("20261025T020000", "+0000", "WET"), ("20260329T010000", "+0100", "WEST")),
    ],
)
def test_a_dst_zone_has_standard_and_daylight_observances_with_their_offsets(
    timezone: str, standard: tuple[str, str, str], daylight: tuple[str, str, str]
) -> None:
    zone = vtimezone(timezone=timezone)
    assert zone.value("TZID") == timezone
    assert sorted(child.name for child in zone.children) == ["DAYLIGHT", "STANDARD"]
    for observance, (onset, offset, name), (_, other_offset, _) in (
        (zone.child("STANDARD"), standard, daylight),
        (zone.child("DAYLIGHT"), daylight, standard),
    ):
        rdates = [date for rdate in observance.values("RDATE") for date in rdate.split(",")]
        assert onset in [observance.value("DTSTART"), *rdates]
        assert observance.value("TZOFFSETFROM") == other_offset
        assert observance.value("TZOFFSETTO") == offset
        assert observance.value("TZNAME") == name


def test_the_observance_in_force_on_new_year_has_an_onset_in_the_previous_year() -> None:
    zone = vtimezone(
        timezone="America/New_York",
        start=dt.datetime(2026, 1, 10, 15, tzinfo=dt.UTC),
        end=dt.datetime(2026, 1, 10, 18, tzinfo=dt.UTC),
    )
    assert zone.child("STANDARD").value("DTSTART") == "20251102T020000"
    assert observance_at(zone, dt.datetime(2026, 1, 10, 10)).value("TZOFFSETTO") == "-0500"


@pytest.mark.parametrize(
    ("timezone", "start"),
    [
        ("America/Sao_Paulo", dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)),
        ("America/Manaus", dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)),
        ("America/New_York", dt.datetime(2026, 7, 4, 16, tzinfo=dt.UTC)),
        ("America/New_York", dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC)),
        ("Europe/Lisbon", dt.datetime(2026, 3, 29, 2, tzinfo=dt.UTC)),
        ("Australia/Sydney", dt.datetime(2026, 1, 15, 0, tzinfo=dt.UTC)),
        ("Australia/Sydney", dt.datetime(2026, 6, 15, 0, tzinfo=dt.UTC)),
        ("Australia/Lord_Howe", dt.datetime(2026, 12, 1, 0, tzinfo=dt.UTC)),
        ("Asia/Kolkata", dt.datetime(2026, 5, 1, 6, tzinfo=dt.UTC)),
        ("UTC", dt.datetime(2026, 5, 1, 6, tzinfo=dt.UTC)),
    ],
)
def test_the_vtimezone_gives_the_zone_offset_at_the_start_and_end(timezone: str, start: dt.datetime) -> None:
    end = start + dt.timedelta(hours=4)
    calendar = parse(render(timezone=timezone, start=start, end=end))
    zone = calendar.child("VTIMEZONE")
    for moment in (start, end):
        local = moment.astimezone(ZoneInfo(timezone))
        assert observance_at(zone, local.replace(tzinfo=None)).value("TZOFFSETTO") == offset_text(local.utcoffset())


def test_uid_dtstamp_and_last_modified() -> None:
    event = parse(event_ics(make_event(), now=dt.datetime(2026, 11, 20, 7, 30, tzinfo=ZoneInfo("America/Sao_Paulo"))))
    vevent_ = event.child("VEVENT")
    assert vevent_.value("UID") == "6f1c2a3e-8b4d-4c6e-9a1f-2d3b4c5e6f70@mutiroes.org"
    assert vevent_.value("DTSTAMP") == "20261120T103000Z"
    assert vevent_.value("LAST-MODIFIED") == "20261101T091530Z"
    assert vevent_.value("SEQUENCE") == "0"


def test_location_joins_address_city_and_state() -> None:
    assert unescape(vevent().value("LOCATION")) == "Av. Atlântica, 1702, Rio de Janeiro - RJ"


@pytest.mark.parametrize(
    ("address", "city", "state", "expected"),
    [
        ("", "Manaus", "AM", "Manaus - AM"),
        ("Rua A, 10", "", "SP", "Rua A, 10, SP"),
        ("Rua A, 10", "Santos", "", "Rua A, 10, Santos"),
        ("  ", "", "", ""),
    ],
)
def test_location_leaves_out_empty_parts(address: str, city: str, state: str, expected: str) -> None:
    assert unescape(vevent(address=address, city=city, state=state).value("LOCATION")) == expected


def test_geo_has_latitude_and_longitude_with_six_decimals() -> None:
    assert vevent(latitude=-3.1, longitude=-60.0216666666).value("GEO") == "-3.100000;-60.021667"


def test_url_and_organizer() -> None:
    event = vevent()
    assert event.value("URL") == "https://mutiroes.org/eventos/6f1c2a3e-8b4d-4c6e-9a1f-2d3b4c5e6f70"
    assert "ORGANIZER;CN=Instituto Mar Vivo:mailto:nao-responda@mutiroes.org" in unfold(render())


def test_an_organizer_name_with_separators_is_quoted() -> None:
    organizer = vevent(organizer_name='ONG "Verde", Vida; Mar: Azul').prop("ORGANIZER")
    assert organizer.params == {"CN": "ONG 'Verde', Vida; Mar: Azul"}
    assert organizer.value == "mailto:nao-responda@mutiroes.org"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("published", "CONFIRMED"), ("completed", "CONFIRMED"), ("cancelled", "CANCELLED"), ("draft", "TENTATIVE")],
)
def test_status_follows_the_event_status(status: str, expected: str) -> None:
    assert vevent(status=status).value("STATUS") == expected


def test_a_cancelled_event_is_cancelled() -> None:
    assert "STATUS:CANCELLED" in unfold(render(status="cancelled"))


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="status"):
        render(status="archived")


@pytest.mark.parametrize("name", ["start", "end", "updated_at"])
def test_naive_datetimes_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        render(**{name: dt.datetime(2026, 12, 13, 9, 0)})


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="now"):
        event_ics(make_event(), now=dt.datetime(2026, 12, 13, 9, 0))


# --- several events in one document (the volunteer's feed) ---


def test_a_feed_has_one_vevent_per_event_and_one_vtimezone_per_zone() -> None:
    events = [
        make_event(
            uid="a",
            start=dt.datetime(2026, 12, 13, 12, tzinfo=dt.UTC),
            end=dt.datetime(2026, 12, 13, 15, tzinfo=dt.UTC),
        ),
        make_event(uid="b", timezone="America/Manaus"),
        make_event(
            uid="c", start=dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC), end=dt.datetime(2027, 3, 1, 15, tzinfo=dt.UTC)
        ),
    ]
    calendar = parse(calendar_ics(events, now=NOW, name="Mutirões"))
    assert calendar.value("X-WR-CALNAME") == "Mutirões"
    assert [child.value("UID") for child in calendar.children if child.name == "VEVENT"] == [
        "a@mutiroes.org", "b@mutiroes.org", "c@mutiroes.org",
    ]  # fmt: skip
    zones = [child.value("TZID") for child in calendar.children if child.name == "VTIMEZONE"]
    assert zones == ["America/Sao_Paulo", "America/Manaus"]
    # São Paulo's VTIMEZONE covers both of its events, one in 2026 and one in 2027.
    (sao_paulo,) = [
        child for child in calendar.children if child.name == "VTIMEZONE" and child.value("TZID") == zones[0]
    ]
    for local in (dt.datetime(2026, 12, 13, 9), dt.datetime(2027, 3, 1, 9)):
        assert observance_at(sao_paulo, local).value("TZOFFSETTO") == "-0300"


def test_a_place_not_yet_confirmed_is_tentative_unless_the_event_is_cancelled() -> None:
    calendar = parse(
        calendar_ics(
            [make_event(uid="w", tentative=True), make_event(uid="x", tentative=True, status="cancelled")], now=NOW
        )
    )
    statuses = [child.value("STATUS") for child in calendar.children if child.name == "VEVENT"]
    assert statuses == ["TENTATIVE", "CANCELLED"]


def test_an_empty_feed_is_still_a_valid_calendar() -> None:
    calendar = parse(calendar_ics([], now=NOW, name="Mutirões"))
    assert calendar.name == "VCALENDAR" and calendar.children == []
