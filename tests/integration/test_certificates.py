"""Certificates of verified volunteer hours: the PDF per attended event and per calendar year, read back (pypdf)
with its QR code decoded (zxing-cpp), and the public verification its code leads to.

The statistics jobs run in the real Procrastinate worker: a certificate states what they credited, as the stats do."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pypdf
import pytest
import zxingcpp
from litestar import Litestar
from litestar.testing import TestClient

from app.api.app import create_app
from app.config.settings import Settings
from app.domain.certificates.codes import CertificateCodes
from tests.integration.test_impact import attended_event, end_in_the_past
from tests.support.factories import DEFAULT_PASSWORD, Factory
from tests.support.worker import run_jobs

CERTIFICATES = "/api/users/certificates"
JUNE_14_2025 = dt.datetime(2025, 6, 14, 12, 0, tzinfo=dt.UTC)  # 09:00 in São Paulo


def held_on(factory: Factory, event_id: int, start: dt.datetime) -> None:
    """The event took place at `start` (keeping its duration)."""
    factory.execute(
        "UPDATE events SET end_date = :start + (end_date - start_date), start_date = :start WHERE id = :id",
        id=event_id,
        start=start,
    )


def past_event(
    client: TestClient[Litestar],
    factory: Factory,
    organizer: int,
    volunteers: list[int],
    *,
    start: dt.datetime = JUNE_14_2025,
    **kw: Any,
) -> int:
    event_id = attended_event(client, factory, organizer, volunteers, **kw)
    held_on(factory, event_id, start)
    return event_id


def download(client: TestClient[Litestar], factory: Factory, user: int, name: str, **params: str) -> tuple[Any, str]:
    """The certificate's answer and its text (whitespace folded: wrapped lines read as one)."""
    answer = client.get(f"{CERTIFICATES}/{name}", params=params, headers=factory.auth(user))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(answer.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return answer, text


def qr_and_links(pdf: bytes) -> tuple[list[str], list[str]]:
    """What the QR codes in the PDF encode, and where its link annotations point."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    decoded = [
        barcode.text
        for page in reader.pages
        for image in page.images
        for barcode in zxingcpp.read_barcodes(image.image)
    ]
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/Subtype") == "/Link"
    ]
    return decoded, links


def verify(client: TestClient[Litestar], url_or_code: str, **headers: str) -> dict[str, Any]:
    """Follow a verification URL (`http://host/api/certificates/CODE/`), or look a code up."""
    if "://" in url_or_code:
        path = "/" + url_or_code.split("://", 1)[1].split("/", 1)[1]
    else:
        path = f"/api/certificates/{url_or_code}/"
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def file_report(client: TestClient[Litestar], factory: Factory, organizer: int, event_id: int, **figures: Any) -> None:
    filed = client.post(f"/api/events/{event_id}/report/", json=figures, headers=factory.auth(organizer))
    assert filed.status_code == 201, filed.text


def today_in_portuguese() -> str:
    months = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
              "novembro", "dezembro")  # fmt: skip
    today = dt.datetime.now(ZoneInfo("America/Sao_Paulo")).date()
    return f"{today.day} de {months[today.month - 1]} de {today.year}"


# --- the event certificate ---


@pytest.mark.anyio
async def test_a_checked_in_volunteer_gets_an_event_certificate_stating_the_stats_hours_and_its_qr_code_verifies(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana, bruno = factory.user("organizadora"), factory.user("ana"), factory.user("bruno")
    organization = factory.organization("Coletivo Maré Limpa", owner=organizer)
    event_id = past_event(client, factory, organizer, [ana, bruno], title="Limpeza da Praia do Gonzaga")
    factory.execute("UPDATE events SET organization_id = :o WHERE id = :id", o=organization, id=event_id)
    file_report(client, factory, organizer, event_id, total_participants=2, total_hours=5)
    await run_jobs(settings)

    stats = client.get("/api/users/stats/", headers=factory.auth(ana)).json()
    assert stats["total_hours_volunteered"] == 2.5  # her share of the report's 5 hours
    answer, text = download(client, factory, ana, f"{event_id}.pdf")
    code = answer.headers["x-certificate-code"]
    assert answer.headers["x-certificate-kind"] == "event"
    assert answer.headers["content-disposition"] == f'attachment; filename="certificado-mutiroes-evento-{event_id}.pdf"'
    assert "Certificado de voluntariado" in text and "Certificamos que Ana Silva" in text
    assert "“Limpeza da Praia do Gonzaga”" in text
    assert "sábado, 14 de junho de 2025, das 09:00 às 12:00" in text
    assert "Av. da Praia, 100, Santos - SP" in text
    assert "organizado por Coletivo Maré Limpa (Organizadora Silva)" in text
    assert "com 2,5 horas de trabalho voluntário verificadas" in text  # the stats' figure
    assert f"Emitido em {today_in_portuguese()}." in text
    assert f"Código de verificação: {code}" in text

    url = f"{settings.public_url}/api/certificates/{code}/"
    decoded, links = qr_and_links(answer.content)
    assert decoded == [url] and set(links) == {url} and url in text

    verdict = verify(client, url)
    assert verdict["status"] == "genuine" and verdict["genuine"] is True and verdict["code"] == code
    assert verdict["message"].startswith("Certificado autêntico, emitido pelo Mutirões em")
    stated = verdict["certificate"]
    assert stated["volunteer_name"] == "Ana Silva" and stated["kind"] == "event" and stated["event_id"] == event_id
    assert stated["total_hours"] == stats["total_hours_volunteered"] == stated["issued_hours"]
    assert stated["figures_changed"] is False and stated["revoked_at"] is None
    [event] = stated["events"]
    assert event["title"] == "Limpeza da Praia do Gonzaga" and event["city"] == "Santos"
    assert event["organizer_name"] == "Organizadora Silva" and event["organization_name"] == "Coletivo Maré Limpa"
    assert event["start_date"] == "2025-06-14T12:00:00Z"
    assert "ana@example.org" not in str(verdict) and "'ana'" not in str(verdict)  # the name, not the account

    # Asking again while the figures stand: the same certificate.
    again, _ = download(client, factory, ana, f"{event_id}.pdf")
    assert again.headers["x-certificate-code"] == code
    mine = client.get(f"{CERTIFICATES}/", headers=factory.auth(ana)).json()
    assert mine["count"] == 1
    assert mine["results"][0] | {"issued_at": None} == {
        "code": code, "kind": "event", "event_id": event_id, "year": None, "hours": 2.5, "events": 1,
        "issued_at": None, "revoked_at": None, "revoke_reason": "",
        "pdf_url": f"{settings.public_url}/api/users/certificates/{event_id}.pdf?kind=event", "verification_url": url,
    }  # fmt: skip


@pytest.mark.anyio
async def test_an_event_certificate_is_only_for_the_caller_checked_in_and_credited(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana, bruno, carla = (
        factory.user("organizadora"),
        factory.user("ana"),
        factory.user("bruno"),
        factory.user(),
    )
    event_id = factory.event(organizer, starts_in=dt.timedelta(minutes=30))
    for volunteer in (ana, bruno):
        assert client.post(f"/api/events/{event_id}/join/", headers=factory.auth(volunteer)).status_code == 201
    # Ana was checked in; Bruno joined and never came.
    checked = client.post(f"/api/events/{event_id}/check_in/", json={"user_id": ana}, headers=factory.auth(organizer))
    assert checked.status_code == 200, checked.text
    end_in_the_past(factory, event_id)
    # Checked in, the statistics job not yet run: the hours are not verified yet.
    pending = client.get(f"{CERTIFICATES}/{event_id}.pdf", headers=factory.auth(ana))
    assert pending.status_code == 409 and pending.json()["code"] == "certificate_not_verified_yet"
    await run_jobs(settings)
    assert client.get(f"{CERTIFICATES}/{event_id}.pdf", headers=factory.auth(ana)).status_code == 200

    for stranger in (bruno, carla, organizer):
        refused = client.get(f"{CERTIFICATES}/{event_id}.pdf", headers=factory.auth(stranger))
        assert refused.status_code == 404, refused.text
        assert refused.json()["code"] == "certificate_event_not_attended"
    assert client.get(f"{CERTIFICATES}/{event_id}.pdf").status_code == 401
    assert client.get(f"{CERTIFICATES}/999999.pdf", headers=factory.auth(ana)).status_code == 404
    assert factory.count("certificates") == 1  # refusals issue nothing


# --- the year certificate ---


@pytest.mark.anyio
async def test_the_year_certificate_lists_and_sums_the_mutiroes_of_that_year_as_the_stats_count_them(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana = factory.user("organizadora"), factory.user("ana")
    beach = past_event(client, factory, organizer, [ana], title="Praia limpa", hours=3)
    trees = past_event(
        client, factory, organizer, [ana], title="Plantio no parque", hours=2, category="Plantio",
        start=dt.datetime(2025, 9, 20, 11, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    # 1 January 2025, 01:00 in UTC, is still 2024 in São Paulo (APP_TIMEZONE).
    new_year = past_event(
        client, factory, organizer, [ana], title="Réveillon sem lixo", hours=1,
        start=dt.datetime(2025, 1, 1, 1, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    await run_jobs(settings)
    stats = client.get("/api/users/stats/", headers=factory.auth(ana)).json()
    assert stats["total_hours_volunteered"] == 6.0

    answer, text = download(client, factory, ana, "2025.pdf")
    assert answer.headers["x-certificate-kind"] == "year"
    assert "Certificado anual de voluntariado 2025" in text
    assert "de 2 mutirões em 2025, com 5 horas de trabalho voluntário verificadas" in text
    assert "14/06/2025 Praia limpa" in text and "20/09/2025 Plantio no parque" in text
    assert "Réveillon" not in text
    earlier, earlier_text = download(client, factory, ana, "2024.pdf")
    assert "de 1 mutirão em 2024, com 1 hora de trabalho" in earlier_text and "Réveillon sem lixo" in earlier_text

    years = [verify(client, r.headers["x-certificate-code"])["certificate"] for r in (answer, earlier)]
    assert [year["total_hours"] for year in years] == [5.0, 1.0]
    assert sum(year["total_hours"] for year in years) == stats["total_hours_volunteered"]
    assert [event["event_id"] for event in years[0]["events"]] == [beach, trees]
    assert [event["event_id"] for event in years[1]["events"]] == [new_year]

    empty = client.get(f"{CERTIFICATES}/2023.pdf", headers=factory.auth(ana))
    assert empty.status_code == 404 and empty.json()["code"] == "certificate_year_empty"
    assert "2023" in empty.json()["message"]


@pytest.mark.anyio
async def test_a_number_that_is_both_a_year_and_an_event_the_caller_joined_is_refused_never_guessed(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana, bruno = factory.user("organizadora"), factory.user("ana"), factory.user("bruno")
    past_event(
        client, factory, organizer, [bruno], title="Mutirão de maio", start=dt.datetime(2025, 5, 3, 12, tzinfo=dt.UTC)
    )
    factory.scalar("SELECT setval(pg_get_serial_sequence('events', 'id'), 2024)")
    event_2025 = past_event(client, factory, organizer, [ana], title="O mutirão 2025")
    assert event_2025 == 2025
    await run_jobs(settings)

    ambiguous = client.get(f"{CERTIFICATES}/2025.pdf", headers=factory.auth(ana))
    assert ambiguous.status_code == 409 and ambiguous.json()["code"] == "certificate_ambiguous"
    assert "?kind=year" in ambiguous.json()["message"] and "?kind=event" in ambiguous.json()["message"]
    as_event, event_text = download(client, factory, ana, "2025.pdf", kind="event")
    assert as_event.headers["x-certificate-kind"] == "event" and "“O mutirão 2025”" in event_text
    as_year, year_text = download(client, factory, ana, "2025.pdf", kind="year")
    assert as_year.headers["x-certificate-kind"] == "year" and "Certificado anual de voluntariado 2025" in year_text
    # Bruno never joined event 2025: for him the number can only be the year.
    for_bruno, bruno_text = download(client, factory, bruno, "2025.pdf")
    assert for_bruno.headers["x-certificate-kind"] == "year" and "Mutirão de maio" in bruno_text
    # Beyond the current year, a number is an event id.
    future = client.get(f"{CERTIFICATES}/9000.pdf", headers=factory.auth(ana))
    assert future.status_code == 404 and future.json()["code"] == "certificate_event_not_attended"


def test_bad_certificate_paths_are_4xx_that_name_the_problem(client: TestClient[Litestar], factory: Factory) -> None:
    headers = factory.auth(factory.user("ana"))
    for name, status in (
        ("0.pdf", 400), ("-3.pdf", 400), ("9223372036854775808.pdf", 400), ("abc.pdf", 404), ("2025.txt", 404),
        ("2025", 404), ("2025.pdf.pdf", 404), ("x" * 40, 404),
    ):  # fmt: skip
        answer = client.get(f"{CERTIFICATES}/{name}", headers=headers)
        assert answer.status_code == status, (name, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    wrong_kind = client.get(f"{CERTIFICATES}/2025.pdf?kind=month", headers=headers)
    assert wrong_kind.status_code == 400 and wrong_kind.json()["errors"][0]["field"] == "kind"


# --- verification: corrections, revocation, forgeries ---


@pytest.mark.anyio
async def test_a_corrected_report_shows_on_the_verification_and_a_new_download_states_it(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana = factory.user("organizadora"), factory.user("ana")
    event_id = past_event(client, factory, organizer, [ana], hours=3)
    file_report(client, factory, organizer, event_id, total_participants=1, total_hours=4)
    await run_jobs(settings)
    first, text = download(client, factory, ana, f"{event_id}.pdf")
    assert "com 4 horas de trabalho voluntário verificadas" in text
    code = first.headers["x-certificate-code"]

    corrected = client.patch(
        f"/api/events/{event_id}/report/", json={"total_hours": 2.5}, headers=factory.auth(organizer)
    )
    assert corrected.status_code == 200, corrected.text
    await run_jobs(settings)

    verdict = verify(client, code)
    assert verdict["status"] == "genuine"
    stated = verdict["certificate"]
    assert (stated["total_hours"], stated["issued_hours"], stated["figures_changed"]) == (2.5, 4.0, True)
    assert "eram 4 horas, hoje são 2,5 horas" in verdict["message"]
    assert client.get("/api/users/stats/", headers=factory.auth(ana)).json()["total_hours_volunteered"] == 2.5

    second, second_text = download(client, factory, ana, f"{event_id}.pdf")
    assert second.headers["x-certificate-code"] != code and "com 2,5 horas de trabalho" in second_text
    assert verify(client, second.headers["x-certificate-code"])["certificate"]["figures_changed"] is False


@pytest.mark.anyio
async def test_revoked_forged_and_unknown_codes_each_say_so(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana, bruno = factory.user("organizadora"), factory.user("ana"), factory.user("bruno")
    staff = factory.user("equipe", is_staff=True)
    event_id = past_event(client, factory, organizer, [ana, bruno])
    await run_jobs(settings)
    code = download(client, factory, ana, f"{event_id}.pdf")[0].headers["x-certificate-code"]
    bruno_code = download(client, factory, bruno, f"{event_id}.pdf")[0].headers["x-certificate-code"]

    # Typed by hand: lower case, no hyphens, O for 0 — still the same code.
    assert verify(client, code.replace("-", "").lower().replace("0", "o"))["status"] == "genuine"
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    answer = verify(client, forged)
    assert (answer["status"], answer["genuine"], answer["certificate"]) == ("forged", False, None)
    assert answer["message"] == "Este código não foi emitido pelo Mutirões: confira se foi digitado corretamente."
    for junk in ("abc", "0" * 64, "%20"):
        assert verify(client, junk)["status"] == "forged"
    unknown = CertificateCodes(settings.jwt_secret).code_for("0000000000")  # signed, but never issued
    answer = verify(client, unknown)
    assert answer["status"] == "unknown" and answer["message"].startswith("Este código não corresponde")

    # Only the holder (or staff) may revoke; to anyone else the certificate does not exist.
    path = f"{CERTIFICATES}/{code}/revoke/"
    assert client.post(path, json={}, headers=factory.auth(bruno)).status_code == 404
    assert client.post(f"{CERTIFICATES}/{forged}/revoke/", headers=factory.auth(ana)).status_code == 404
    assert client.post(path).status_code == 401
    revoked = client.post(path, json={"reason": "Emitido por engano"}, headers=factory.auth(ana))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None and revoked.json()["revoke_reason"] == "Emitido por engano"
    again = client.post(path, headers=factory.auth(ana))  # no body: idempotent, the first reason stays
    assert again.status_code == 200 and again.json() == revoked.json()
    answer = verify(client, code)
    assert (answer["status"], answer["genuine"]) == ("revoked", False)
    assert answer["message"].startswith("Este certificado foi emitido pelo Mutirões, mas foi revogado em")
    assert answer["certificate"]["revoke_reason"] == "Emitido por engano"
    # A new download after revocation is a new certificate.
    assert download(client, factory, ana, f"{event_id}.pdf")[0].headers["x-certificate-code"] != code

    by_staff = client.post(f"{CERTIFICATES}/{bruno_code}/revoke/", headers=factory.auth(staff))
    assert by_staff.status_code == 200 and verify(client, bruno_code)["status"] == "revoked"
    assert factory.scalar("SELECT revoked_by_id FROM certificates WHERE user_id = :u", u=bruno) == staff


@pytest.mark.anyio
async def test_an_english_speaking_volunteer_gets_an_english_certificate_and_the_page_follows_accept_language(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana = factory.user("organizadora"), factory.user("ana")
    factory.execute("UPDATE users SET language = 'en' WHERE id = :id", id=ana)
    event_id = past_event(client, factory, organizer, [ana], title="Limpeza da Praia", hours=1.5)
    await run_jobs(settings)
    answer, text = download(client, factory, ana, f"{event_id}.pdf")
    code = answer.headers["x-certificate-code"]
    assert answer.headers["content-disposition"] == f'attachment; filename="mutiroes-certificate-event-{event_id}.pdf"'
    assert "Volunteer certificate This certifies that Ana Silva" in text
    assert "held on Saturday, 14 June 2025, 09:00–10:30" in text and "with 1.5 hours of verified volunteer work" in text
    assert "Issued on" in text and f"Verification code: {code}" in text
    _, year_text = download(client, factory, ana, "2025.pdf")
    assert "Annual volunteer certificate 2025" in year_text and "in 1 mutirão in 2025, with 1.5 hours" in year_text

    assert verify(client, code, **{"Accept-Language": "en"})["message"].startswith("Genuine certificate")
    assert verify(client, code)["message"].startswith("Certificado autêntico")  # the reader's language, pt by default


@pytest.mark.anyio
async def test_the_html_page_shows_what_the_certificate_states_and_nothing_more(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana = factory.user("organizadora"), factory.user("ana")
    event_id = past_event(client, factory, organizer, [ana], title="Limpeza <do> Canal")
    await run_jobs(settings)
    code = download(client, factory, ana, f"{event_id}.pdf")[0].headers["x-certificate-code"]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get(f"/api/certificates/{code}/", headers={"Accept": browser})
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    html = page.text
    assert '<html lang="pt-BR">' in html and "Autêntico" in html and "Ana Silva" in html and code in html
    assert "Limpeza &lt;do&gt; Canal" in html and "<do>" not in html  # escaped
    assert "14/06/2025" in html and "Santos - SP" in html and "Organizadora Silva" in html and "3 horas" in html
    assert "ana@example.org" not in html and ">ana<" not in html
    english = client.get(f"/api/certificates/{code}/", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert "Genuine" in english.text and "3 hours" in english.text
    # Another last character (a fixed "Z" was the code itself whenever the code ended in "Z").
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    forged = client.get(f"/api/certificates/{altered}/", headers={"Accept": "text/html"}).text
    assert "Não emitido pelo Mutirões" in forged and "Ana Silva" not in forged
    # JSON unless HTML is preferred.
    assert (
        client.get(f"/api/certificates/{code}/", headers={"Accept": "*/*"})
        .headers["content-type"]
        .startswith("application/json")
    )


@pytest.mark.anyio
async def test_the_list_of_certificates_takes_the_same_queries_whatever_its_length(
    client: TestClient[Litestar], factory: Factory, settings: Settings, app: Litestar
) -> None:
    organizer, ana = factory.user("organizadora"), factory.user("ana")
    first = past_event(client, factory, organizer, [ana])
    await run_jobs(settings)
    download(client, factory, ana, f"{first}.pdf")
    headers = factory.auth(ana)
    log = app.state.query_log

    def queries() -> int:
        client.get(f"{CERTIFICATES}/", headers=headers)  # warm-up
        before = log.count
        assert client.get(f"{CERTIFICATES}/", headers=headers).status_code == 200
        return int(log.count - before)

    one = queries()
    more = [past_event(client, factory, organizer, [ana]) for _ in range(4)]
    await run_jobs(settings)
    for event_id in more:
        download(client, factory, ana, f"{event_id}.pdf")
    download(client, factory, ana, "2025.pdf")
    listed = client.get(f"{CERTIFICATES}/?page_size=3", headers=headers).json()
    assert listed["count"] == 6 and listed["next"] is not None and len(listed["results"]) == 3
    assert listed["results"][0]["kind"] == "year"  # newest first
    assert queries() == one


@pytest.mark.anyio
async def test_the_export_carries_the_certificates_and_erasing_the_account_revokes_them(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana = factory.user("organizadora"), factory.user("ana")
    event_id = past_event(client, factory, organizer, [ana])
    await run_jobs(settings)
    code = download(client, factory, ana, f"{event_id}.pdf")[0].headers["x-certificate-code"]
    exported = client.get("/api/users/export/", headers=factory.auth(ana)).json()
    assert [row["event_id"] for row in exported["certificates"]] == [event_id]
    assert exported["certificates_revoked"] == []

    erased = client.post("/api/users/delete-account/", json={"password": DEFAULT_PASSWORD}, headers=factory.auth(ana))
    assert erased.status_code == 204, erased.text
    answer = verify(client, code)
    assert answer["status"] == "revoked" and "Ana Silva" not in str(answer)


def test_the_public_verification_is_rate_limited_like_every_request(settings: Settings) -> None:
    limited = msgspec.structs.replace(settings, rate_limit_api_per_second=3)
    with TestClient(create_app(limited)) as client:
        answers = [client.get("/api/certificates/7K3M-Q9XD-2PAB-HF4T/") for _ in range(10)]
    refused = [answer for answer in answers if answer.status_code == 429]
    assert refused and all(answer.headers["retry-after"] for answer in refused)
    assert {answer.status_code for answer in answers} == {200, 429}
