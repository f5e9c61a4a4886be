"""Certificates API: a volunteer's PDF certificates (per attended event, per calendar year), their revocation, and
the public verification of a certificate's code."""

from __future__ import annotations

import re
from html import escape
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import JSONBody, PathParameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.dependencies import provide_current_user
from app.api.messages import language_of, message
from app.api.openapi import BEARER, problems
from app.api.pagination import LimitAlias, OptionalPageSize, PageNumber, Window
from app.config.settings import Settings
from app.domain.accounts.models import User
from app.domain.certificates.codes import CertificateCodes
from app.domain.certificates.models import Certificate
from app.domain.certificates.pdf import certificate_pdf, hours_text, long_date, organized_by, place_of, short_date
from app.domain.certificates.schemas import (
    CertificateKind,
    CertificatePage,
    CertificateRead,
    CertificateVerification,
    RevokeRequest,
    VerifiedCertificate,
)
from app.domain.certificates.services import CertificateService, Verification
from app.domain.errors import NotFound, ValidationFailed
from app.domain.ids import MAX_ID
from app.domain.notifications.templates import is_english

PATH_RULE = (
    "`{number}.pdf` names an event or a calendar year, and `kind` says which. Without `kind`: a number from 2000 to "
    "the current year (APP_TIMEZONE) is that year unless the caller joined the event with that id; any other "
    "number is an event id; a number that is both — a year and the id of an event the caller joined — is a 409 "
    "`certificate_ambiguous`, never a guess. So the certificate answered is always the one meant when it exists."
)
_FILE = re.compile(r"^(-?[0-9]{1,25})\.pdf$")

CertificateFile = Annotated[
    str,
    PathParameter(
        max_length=40,
        description="`{number}.pdf`: an event id or a calendar year (see `kind`)",
        examples=[Example(summary="An event", value="42.pdf"), Example(summary="A year", value="2026.pdf")],
    ),
]
KindParameter = Annotated[
    CertificateKind | None,
    QueryParameter(description="`event` or `year`: how to read the number (see the operation's description)"),
]
CodeParameter = Annotated[
    str,
    PathParameter(
        max_length=64,
        description="The code printed on the certificate (hyphens, spaces and case do not matter)",
        examples=[Example(value="7K3M-Q9XD-2PAB-HF4T")],
    ),
]


def provide_certificates(transaction: NamedDependency[AsyncSession], state: State) -> CertificateService:
    settings: Settings = state.settings
    return CertificateService(transaction, CertificateCodes(settings.jwt_secret), timezone=settings.app_timezone)


class MyCertificatesController(Controller):
    path = "/api/users/certificates"
    tags = ["certificates"]
    dependencies = {
        "certificates": Provide(provide_certificates, sync_to_thread=False),
        "current_user": Provide(provide_current_user),
    }

    @get("/", operation_id="listMyCertificates", summary="The caller's certificates", security=BEARER,
         responses=problems(400, 401, 404))  # fmt: skip
    async def list_certificates(
        self,
        request: Request[Any, Any, Any],
        certificates: NamedDependency[CertificateService],
        current_user: NamedDependency[User],
        settings: NamedDependency[Settings],
        page: PageNumber = 1,
        page_size: OptionalPageSize = None,
        limit: LimitAlias = None,
    ) -> CertificatePage:
        """Newest first, revoked ones included, each with its code, the figures it stated when issued, and its
        links. Paginated."""
        window = Window(page, page_size, limit)
        count, found = await certificates.mine(current_user, offset=window.offset, limit=window.size)
        next_link, previous_link = window.links(request, count)
        return CertificatePage(
            count=count,
            next=next_link,
            previous=previous_link,
            results=[certificate_read(certificate, certificates.codes, settings) for certificate in found],
        )

    @get(
        "/{certificate_file:str}",
        operation_id="downloadCertificate",
        summary="A certificate of verified volunteer hours, as PDF",
        security=BEARER,
        media_type="application/pdf",
        responses={
            200: ResponseSpec(
                bytes,
                media_type="application/pdf",
                description="The certificate (an attachment)",
                generate_examples=False,
            ),
            **problems(
                400,
                401,
                404,
                409,
                s404="No such certificate: not checked in at that event, or no verified hours in that year",
                s409="The number is both a year and an event the caller joined (add `kind`), or the check-in's "
                "hours are still being verified",
            ),
        },
        description=PATH_RULE
        + "\n\nAn event certificate exists for a volunteer checked in at a mutirão that took place, once the "
        "statistics job has credited the hours (409 `certificate_not_verified_yet` until then); a year certificate "
        "lists every such mutirão held in the calendar year (APP_TIMEZONE) and their sum — the figures "
        "`/api/users/stats/` adds up. Written in the volunteer's language (Portuguese, or English when their "
        "`language` is English), with a code, a QR code and a link to its public verification. Asking again while the "
        "figures stand gives the same code and issue date; after they change (a corrected report), a new code.",
    )
    async def download(
        self,
        certificate_file: CertificateFile,
        certificates: NamedDependency[CertificateService],
        current_user: NamedDependency[User],
        settings: NamedDependency[Settings],
        kind: KindParameter = None,
    ) -> Response[bytes]:
        number = _number_of(certificate_file)
        subject = await certificates.resolve(current_user, number, kind)
        certificate, statement = await certificates.issue(current_user, subject)
        code = certificates.codes.code_for(certificate.serial)
        english = is_english(current_user)
        pdf = await anyio.to_thread.run_sync(
            lambda: certificate_pdf(
                statement,
                code=code,
                verification_url=verification_url(settings, code),
                issued_at=certificate.issued_at,
                timezone=settings.app_timezone,
                english=english,
            )
        )
        name = "mutiroes-certificate" if english else "certificado-mutiroes"
        if subject.kind == "event":
            name += "-event" if english else "-evento"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{name}-{subject.value}.pdf"',
                "Cache-Control": "no-store",
                "X-Certificate-Kind": subject.kind,
                "X-Certificate-Code": code,
            },
        )

    @post(
        "/{code:str}/revoke/",
        operation_id="revokeCertificate",
        summary="Revoke a certificate",
        status_code=200,
        security=BEARER,
        responses=problems(400, 401, 404, s404="No such certificate among the caller's (staff: among all)"),
    )
    async def revoke(
        self,
        code: CodeParameter,
        certificates: NamedDependency[CertificateService],
        current_user: NamedDependency[User],
        settings: NamedDependency[Settings],
        data: JSONBody[RevokeRequest | None] = None,
    ) -> CertificateRead:
        """The holder revokes their own certificate, staff any: its verification says `revoked` from now on, with
        the date and `reason`. Revoking again changes nothing. Downloading the same certificate later issues a new
        code."""
        revoked = await certificates.revoke(code, current_user, (data or RevokeRequest()).reason)
        return certificate_read(revoked, certificates.codes, settings)


class CertificateVerificationController(Controller):
    path = "/api/certificates"
    tags = ["certificates"]
    dependencies = {"certificates": Provide(provide_certificates, sync_to_thread=False)}

    @get(
        "/{code:str}/",
        operation_id="verifyCertificate",
        summary="Is this certificate genuine? (public)",
        responses={
            200: ResponseSpec(
                CertificateVerification,
                description="The answer, whatever it is (`status`): JSON, or a small HTML page for `Accept: text/html`",
            ),
            **problems(400, 429),
        },
    )
    async def verify(
        self,
        request: Request[Any, Any, Any],
        code: CodeParameter,
        certificates: NamedDependency[CertificateService],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        """No login: where the QR code of a certificate leads. `status` is `genuine` (issued here and standing),
        `revoked`, `forged` (its check characters are not ours: made up or mistyped) or `unknown` (correctly signed
        but on no record). For a real certificate it answers what it states, recomputed from today's verified data
        (a corrected report shows), beside the hours it stated when issued (`figures_changed`). Only what the
        certificate states: the volunteer's name, never their email or username."""
        verification = await certificates.verify(code)
        english = language_of(request) == "en"
        answer = verification_answer(verification, code, certificates.codes, settings, english=english)
        headers = {"Cache-Control": "no-store", "Vary": "Accept, Accept-Language"}
        if request.accept.best_match([MediaType.JSON, MediaType.HTML], default=MediaType.JSON) == MediaType.HTML:
            page = verification_page(answer, settings, english=english)
            return Response(page, media_type=MediaType.HTML, headers=headers)
        return Response(answer, headers=headers)


def _number_of(certificate_file: str) -> int:
    """`42.pdf` → 42. Not `{digits}.pdf`: no such route (404); zero, negative or beyond bigint: a 400."""
    match = _FILE.match(certificate_file)
    if match is None:
        raise NotFound("route_not_found")
    number = int(match[1])
    if not 1 <= number <= MAX_ID:
        raise ValidationFailed.single("number", "out_of_range")
    return number


def verification_url(settings: Settings, code: str) -> str:
    return f"{settings.public_url.rstrip('/')}/api/certificates/{code}/"


def certificate_read(certificate: Certificate, codes: CertificateCodes, settings: Settings) -> CertificateRead:
    code = codes.code_for(certificate.serial)
    number = certificate.event_id if certificate.kind == "event" else certificate.year
    return CertificateRead(
        code=code,
        kind=certificate.kind,  # type: ignore[arg-type]
        event_id=certificate.event_id,
        year=certificate.year,
        hours=float(certificate.hours),
        events=certificate.events,
        issued_at=certificate.issued_at,
        revoked_at=certificate.revoked_at,
        revoke_reason=certificate.revoke_reason,
        pdf_url=f"{settings.public_url.rstrip('/')}/api/users/certificates/{number}.pdf?kind={certificate.kind}",
        verification_url=verification_url(settings, code),
    )


def verification_answer(
    verification: Verification, sent: str, codes: CertificateCodes, settings: Settings, *, english: bool
) -> CertificateVerification:
    language = "en" if english else "pt-BR"
    certificate, statement = verification.certificate, verification.statement
    if certificate is None or statement is None:
        return CertificateVerification(
            code=sent[:64],
            status=verification.status,
            genuine=False,
            message=message(f"certificate_{verification.status}", language),
            certificate=None,
        )
    issued_on = certificate.issued_at.astimezone(_zone(settings)).date()
    if certificate.revoked_at is not None:
        revoked_on = long_date(certificate.revoked_at.astimezone(_zone(settings)).date(), english=english)
        text = message("certificate_revoked", language, revoked=revoked_on)
    else:
        text = message("certificate_genuine", language, issued=long_date(issued_on, english=english))
    changed = float(certificate.hours) != statement.total_hours or certificate.events != len(statement.events)
    if changed:
        text += " " + message(
            "certificate_figures_changed",
            language,
            issued=hours_text(float(certificate.hours), english=english),
            now=hours_text(statement.total_hours, english=english),
        )
    return CertificateVerification(
        code=codes.code_for(certificate.serial),
        status=verification.status,
        genuine=verification.status == "genuine",
        message=text,
        certificate=VerifiedCertificate(
            kind=statement.kind,
            volunteer_name=statement.volunteer_name,
            event_id=statement.event_id,
            year=statement.year,
            events=statement.events,
            total_hours=statement.total_hours,
            issued_at=certificate.issued_at,
            issued_hours=float(certificate.hours),
            issued_events=certificate.events,
            figures_changed=changed,
            revoked_at=certificate.revoked_at,
            revoke_reason=certificate.revoke_reason,
        ),
    )


def _zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.app_timezone)


def verification_page(answer: CertificateVerification, settings: Settings, *, english: bool) -> str:
    """The same answer for a person who scanned the QR code: what it states, nothing more."""
    title = "Certificate verification" if english else "Verificação de certificado"
    colour = {"genuine": "#15803d", "revoked": "#b45309"}.get(answer.status, "#b91c1c")
    verdict = {
        "genuine": ("Genuine", "Autêntico"),
        "revoked": ("Revoked", "Revogado"),
        "forged": ("Not issued by Mutirões", "Não emitido pelo Mutirões"),
        "unknown": ("Unknown", "Desconhecido"),
    }[answer.status][0 if english else 1]
    parts = [
        f'<p class="verdict" style="color:{colour}"><strong>{escape(verdict)}</strong></p>',
        f"<p>{escape(answer.message)}</p>",
        f"<p><code>{escape(answer.code)}</code></p>",
    ]
    stated = answer.certificate
    if stated is not None:
        hours = hours_text(stated.total_hours, english=english)
        if stated.kind == "year":
            count = len(stated.events)
            subject = f"{stated.year} ({count} {'mutirão' if count == 1 else 'mutirões'})"
        else:
            subject = stated.events[0].title if stated.events else "—"
        labels = (
            ("Volunteer", "Certificate", "Verified hours")
            if english
            else ("Voluntário(a)", "Certificado", "Horas verificadas")
        )
        parts.append(
            "<dl>"
            f"<dt>{labels[0]}</dt><dd>{escape(stated.volunteer_name)}</dd>"
            f"<dt>{labels[1]}</dt><dd>{escape(subject)}</dd>"
            f"<dt>{labels[2]}</dt><dd>{escape(hours)}</dd>"
            "</dl>"
        )
        if stated.events:
            headings = (
                ("Date", "Mutirão", "Place", "Organized by", "Hours")
                if english
                else ("Data", "Mutirão", "Local", "Organização", "Horas")
            )
            rows = "".join(
                "<tr>"
                f"<td>{escape(short_date(event.start_date, event.timezone, english=english))}</td>"
                f"<td>{escape(event.title)}</td><td>{escape(place_of(event))}</td>"
                f"<td>{escape(organized_by(event))}</td>"
                f"<td>{escape(hours_text(event.hours, english=english))}</td>"
                "</tr>"
                for event in stated.events
            )
            head = "".join(f"<th>{escape(heading)}</th>" for heading in headings)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        if stated.revoke_reason:
            reason_label = "Reason" if english else "Motivo"
            parts.append(f"<p>{reason_label}: {escape(stated.revoke_reason)}</p>")
    language = "en" if english else "pt-BR"
    style = (
        "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#111}"
        ".verdict{font-size:1.5rem}table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left}dt{font-weight:600}"
    )
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">'
        f"<title>{escape(title)} · Mutirões</title><style>{style}</style></head>"
        f"<body><h1>{escape(title)}</h1>{''.join(parts)}</body></html>"
    )
