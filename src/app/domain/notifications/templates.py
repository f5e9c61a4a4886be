"""The words of each email, in Portuguese (default) and English, as plain text and HTML.

Every email carries a one-click unsubscribe link. Times are shown in the event's own timezone: a mutirão in
Manaus happens at Manaus time, whoever reads about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

import msgspec

from app.domain.accounts.models import User
from app.domain.events.models import Event
from app.domain.impact.models import Badge
from app.domain.notifications.email import Email
from app.domain.notifications.links import ALL_EMAILS, Links

PT_WEEKDAYS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo")
PT_MONTHS = (
    "janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
    "novembro", "dezembro",
)  # fmt: skip
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip


def is_english(user: User) -> bool:
    return user.language.lower().startswith("en")


def _day(moment: dt.datetime, english: bool) -> str:
    if english:
        return f"{EN_WEEKDAYS[moment.weekday()]}, {moment.day} {EN_MONTHS[moment.month - 1]} {moment.year}"
    return f"{PT_WEEKDAYS[moment.weekday()]}, {moment.day} de {PT_MONTHS[moment.month - 1]} de {moment.year}"


def local_when(start: dt.datetime, end: dt.datetime, timezone: str, *, english: bool) -> str:
    """'sábado, 12 de dezembro de 2026, das 09:00 às 12:00 (horário de Sao Paulo)', in the event's zone."""
    zone = ZoneInfo(timezone)
    start, end = start.astimezone(zone), end.astimezone(zone)
    place = timezone.rsplit("/", 1)[-1].replace("_", " ")
    if start.date() == end.date():
        if english:
            return f"{_day(start, True)}, {start:%H:%M}–{end:%H:%M} ({place} time)"
        return f"{_day(start, False)}, das {start:%H:%M} às {end:%H:%M} (horário de {place})"
    if english:
        return f"{_day(start, True)}, {start:%H:%M} to {_day(end, True)}, {end:%H:%M} ({place} time)"
    return f"{_day(start, False)}, {start:%H:%M}, até {_day(end, False)}, {end:%H:%M} (horário de {place})"


def _where(event: Event) -> str:
    region = " - ".join(part for part in (event.city, event.state) if part)
    return ", ".join(part for part in (event.address, region) if part)


class _Words(msgspec.Struct, frozen=True):
    subject: str
    paragraphs: list[str]
    link_label: str


def _compose(
    user: User, words: _Words, *, link: str, unsubscribe_url: str, key: str, details: Sequence[tuple[str, str]] = ()
) -> Email:
    english = is_english(user)
    footer = (
        "Don't want these emails? Unsubscribe" if english else "Não quer mais receber estes e-mails? Cancelar inscrição"
    )
    text_details = [f"{label}: {value}" for label, value in details]
    text = "\n\n".join(
        [*words.paragraphs, *(["\n".join(text_details)] if details else []), f"{words.link_label}: {link}", "--"]
    )
    text += f"\n{footer}: {unsubscribe_url}\n"
    html_details = "".join(f"<li><strong>{escape(label)}:</strong> {escape(value)}</li>" for label, value in details)
    html = (
        '<!doctype html><html><body style="font-family:Arial,sans-serif;color:#1f2937">'
        f'<h1 style="color:#15803d">{escape(words.subject)}</h1>'
        + "".join(f"<p>{escape(p)}</p>" for p in words.paragraphs)
        + (f"<ul>{html_details}</ul>" if details else "")
        + f'<p><a href="{escape(link)}" style="color:#15803d">{escape(words.link_label)}</a></p>'
        + f'<hr><p style="font-size:12px;color:#6b7280"><a href="{escape(unsubscribe_url)}">{escape(footer)}</a></p>'
        + "</body></html>"
    )
    return Email(
        to_address=user.email,
        to_name=user.full_name,
        subject=words.subject,
        text=text,
        html=html,
        key=key,
        unsubscribe_url=unsubscribe_url,
    )


def _greeting(user: User) -> str:
    name = user.first_name or user.username
    return f"Hello, {name}!" if is_english(user) else f"Olá, {name}!"


def welcome_email(user: User, *, links: Links) -> Email:
    if is_english(user):
        words = _Words(
            "Welcome to Mutirões!",
            [
                _greeting(user),
                "Your account is ready. Find a clean-up, a tree planting or an environmental "
                "education action near you and join in.",
                "See you at the next mutirão!",
            ],
            "Find mutirões near you",
        )
    else:
        words = _Words(
            "Bem-vindo(a) ao Mutirões!",
            [
                _greeting(user),
                "Sua conta está pronta. Encontre um mutirão de limpeza, um plantio de árvores ou "
                "uma ação de educação ambiental perto de você e participe.",
                "Nos vemos no próximo mutirão!",
            ],
            "Encontrar mutirões perto de você",
        )
    return _compose(
        user, words, link=links.site, unsubscribe_url=links.unsubscribe(user.id, ALL_EMAILS), key=f"welcome-{user.id}"
    )


# kind: ((Portuguese subject, first paragraph), (English subject, first paragraph)); `{title}` is the event's.
EVENT_NOTICES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "join_confirmed": (
        ("Inscrição confirmada: {title}", "Sua vaga no mutirão {title} está confirmada."),
        ("You're in: {title}", "Your place at {title} is confirmed."),
    ),
    "approved": (
        ("Participação aprovada: {title}", "A organização aprovou a sua participação no mutirão {title}."),
        ("Your participation was approved: {title}", "The organizer approved your participation in {title}."),
    ),
    "rejected": (
        (
            "Inscrição não aprovada: {title}",
            "Desta vez a organização não aprovou a sua inscrição no mutirão {title}. Há outros mutirões "
            "esperando por você.",
        ),
        (
            "Your registration was not approved: {title}",
            "This time the organizer did not approve your registration for {title}. Other mutirões are "
            "waiting for you.",
        ),
    ),
    "promoted": (
        (
            "Abriu uma vaga: você está confirmado(a) em {title}",
            "Uma vaga foi liberada e você saiu da lista de espera: sua participação no mutirão {title} está "
            "confirmada.",
        ),
        (
            "A spot opened up: you're confirmed for {title}",
            "A spot was freed and you moved up from the waitlist: your place at {title} is confirmed.",
        ),
    ),
    "event_changed": (
        ("Mudança no mutirão: {title}", "O horário ou o local do mutirão {title} mudou. Confira os dados atuais:"),
        ("Change to {title}", "The time or the place of {title} has changed. Here are the current details:"),
    ),
    "event_cancelled": (
        ("Mutirão cancelado: {title}", "O mutirão {title} foi cancelado pela organização. Obrigado pelo interesse!"),
        ("Cancelled: {title}", "{title} was cancelled by the organizer. Thank you for your interest!"),
    ),
    "spot_scheduled": (
        (
            "Mutirão marcado no ponto que você indicou: {title}",
            "Vai ter mutirão no ponto de sujeira que você relatou ou confirmou: {title}. Que tal participar?",
        ),
        (
            "A mutirão is planned at the spot you reported: {title}",
            "A mutirão will clean up the dirty spot you reported or confirmed: {title}. Why not join in?",
        ),
    ),
    "spot_cleaned": (
        (
            "Ponto limpo: {title}",
            "O ponto de sujeira que você relatou ou confirmou foi limpo no mutirão {title}. Obrigado por avisar!",
        ),
        (
            "Spot cleaned up: {title}",
            "The dirty spot you reported or confirmed was cleaned up at {title}. Thank you for letting us know!",
        ),
    ),
    "spot_released": (
        (
            "Mutirão cancelado no ponto que você indicou: {title}",
            "O mutirão {title}, marcado para o ponto de sujeira que você relatou ou confirmou, foi cancelado. O ponto "
            "continua aberto à espera de um novo mutirão.",
        ),
        (
            "Mutirão cancelled at the spot you reported: {title}",
            "{title}, planned for the dirty spot you reported or confirmed, was cancelled. The spot stays open for "
            "another mutirão.",
        ),
    ),
    "reminder": (
        ("Lembrete: {title} começa em breve", "Falta pouco para o mutirão {title}. Contamos com você!"),
        ("Reminder: {title} is coming up", "{title} is almost here. We're counting on you!"),
    ),
}


def event_email(user: User, event: Event, kind: str, *, links: Links, unsubscribe_kind: str, key: str) -> Email:
    """A notice about an event (EVENT_NOTICES' kinds), with its name, local time, address and link."""
    english = is_english(user)
    subject, opening = EVENT_NOTICES[kind][1 if english else 0]
    when = local_when(event.start_date, event.end_date, event.timezone, english=english)
    details = [("When", when), ("Where", _where(event))] if english else [("Quando", when), ("Onde", _where(event))]
    words = _Words(
        subject.format(title=event.title),
        [_greeting(user), opening.format(title=event.title)],
        "See the event" if english else "Ver o mutirão",
    )
    return _compose(
        user,
        words,
        link=links.event(event.id),
        unsubscribe_url=links.unsubscribe(user.id, unsubscribe_kind),
        key=key,
        details=details[:1] if kind in {"event_cancelled", "spot_released"} else details,
    )


def _town(event: Event) -> str:
    return " - ".join(part for part in (event.city, event.state) if part)


def new_events_email(user: User, events: Sequence[Event], *, links: Links, unsubscribe_kind: str, key: str) -> Email:
    """New mutirões for a volunteer (followed organization, or their interest near them): one event, or a digest."""
    english = is_english(user)
    unsubscribe_url = links.unsubscribe(user.id, unsubscribe_kind)
    if len(events) == 1:
        event = events[0]
        when = local_when(event.start_date, event.end_date, event.timezone, english=english)
        if english:
            words = _Words(
                f"New mutirão: {event.title}",
                [_greeting(user), f"A new mutirão you may like was just published: {event.title}."],
                "See the event",
            )
            details = [("When", when), ("Where", _town(event))]
        else:
            words = _Words(
                f"Novo mutirão: {event.title}",
                [_greeting(user), f"Acaba de ser publicado um mutirão do seu interesse: {event.title}."],
                "Ver o mutirão",
            )
            details = [("Quando", when), ("Onde", _town(event))]
        return _compose(
            user, words, link=links.event(event.id), unsubscribe_url=unsubscribe_url, key=key, details=details
        )
    listed = [
        (
            event.title,
            f"{local_when(event.start_date, event.end_date, event.timezone, english=english)}, "
            f"{_town(event)}: {links.event(event.id)}",
        )
        for event in events
    ]
    if english:
        words = _Words(
            f"{len(events)} new mutirões for you",
            [_greeting(user), "These mutirões you may like were published since our last email:"],
            "Find more mutirões",
        )
    else:
        words = _Words(
            f"{len(events)} novos mutirões para você",
            [_greeting(user), "Estes mutirões do seu interesse foram publicados desde o nosso último e-mail:"],
            "Encontrar mais mutirões",
        )
    return _compose(user, words, link=links.site, unsubscribe_url=unsubscribe_url, key=key, details=listed)


def badge_email(user: User, badge: Badge, *, links: Links, unsubscribe_kind: str, key: str) -> Email:
    if is_english(user):
        words = _Words(
            f"New badge: {badge.name_en}",
            [_greeting(user), f"You earned the badge “{badge.name_en}”.", badge.description_en],
            "See your badges",
        )
    else:
        words = _Words(
            f"Nova conquista: {badge.name}",
            [_greeting(user), f"Você conquistou o selo “{badge.name}”.", badge.description],
            "Ver suas conquistas",
        )
    return _compose(user, words, link=links.site, unsubscribe_url=links.unsubscribe(user.id, unsubscribe_kind), key=key)


# The unsubscribe page: what each preference is called, and the words around the button.
PREFERENCE_LABELS: dict[str, tuple[str, str]] = {
    "email_new_events": ("novos mutirões", "new mutirões"),
    "email_event_reminders": ("lembretes de mutirões", "mutirão reminders"),
    "email_event_updates": ("avisos sobre os seus mutirões", "notices about your mutirões"),
    "email_badge_earned": ("novas conquistas", "new badges"),
    ALL_EMAILS: ("todos os e-mails do Mutirões", "every email from Mutirões"),
}


def unsubscribe_page(kind: str, *, english: bool, action_url: str | None) -> str:
    """The page of an unsubscribe link: a button that POSTs (a GET must change nothing, mail scanners follow
    links), or, with no `action_url`, the confirmation that it is done."""
    label = PREFERENCE_LABELS[kind][1 if english else 0]
    if action_url is None:
        title = "Unsubscribed" if english else "Inscrição cancelada"
        body = (
            f"<p>Done: you will no longer receive {escape(label)}. You can change this at any time in your "
            "notification settings.</p>"
            if english
            else f"<p>Pronto: você não vai mais receber {escape(label)}. Você pode mudar isso a qualquer momento "
            "nas suas preferências de notificação.</p>"
        )
    else:
        title = "Unsubscribe" if english else "Cancelar inscrição"
        question = f"Stop receiving {escape(label)}?" if english else f"Deixar de receber {escape(label)}?"
        button = "Unsubscribe" if english else "Cancelar inscrição"
        body = (
            f"<p>{question}</p>"
            f'<form method="post" action="{escape(action_url)}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{escape(button)}</button></form>'
        )
    language = "en" if english else "pt-BR"
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Mutirões</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


ROLE_NAMES = {"owner": ("proprietário(a)", "owner"), "admin": ("administrador(a)", "admin"),
              "organizer": ("organizador(a)", "organizer")}  # fmt: skip


def organization_invitation_email(
    *,
    to_address: str,
    to_name: str,
    english: bool,
    organization: str,
    inviter: str,
    role: str,
    link: str,
    expires_at: dt.datetime,
    key: str,
) -> Email:
    """An invitation to join an organization. It answers a person's request, so it carries no unsubscribe link;
    the invited address may have no account yet (the link asks them to log in or sign up)."""
    role_name = ROLE_NAMES[role][1 if english else 0]
    until = expires_at.astimezone(ZoneInfo("America/Sao_Paulo"))
    if english:
        subject = f"Invitation to join {organization} on Mutirões"
        paragraphs = [
            f"Hello, {to_name}!" if to_name else "Hello!",
            f"{inviter} invited you to join {organization} as {role_name}.",
            f"The invitation is valid until {_day(until, True)}, {until:%H:%M} (Sao Paulo time). "
            "Log in (or sign up with this email address) to accept it.",
        ]
        label = "Accept the invitation"
    else:
        subject = f"Convite para participar de {organization} no Mutirões"
        paragraphs = [
            f"Olá, {to_name}!" if to_name else "Olá!",
            f"{inviter} convidou você para participar de {organization} como {role_name}.",
            f"O convite vale até {_day(until, False)}, {until:%H:%M} (horário de Sao Paulo). "
            "Entre na sua conta (ou cadastre-se com este e-mail) para aceitá-lo.",
        ]
        label = "Aceitar o convite"
    text = "\n\n".join([*paragraphs, f"{label}: {link}"]) + "\n"
    html = (
        '<!doctype html><html><body style="font-family:Arial,sans-serif;color:#1f2937">'
        f'<h1 style="color:#15803d">{escape(subject)}</h1>'
        + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        + f'<p><a href="{escape(link)}" style="color:#15803d">{escape(label)}</a></p></body></html>'
    )
    return Email(to_address=to_address, to_name=to_name, subject=subject, text=text, html=html, key=key)
