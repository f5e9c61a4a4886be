"""The words of each email, in Portuguese (default) and English."""

from __future__ import annotations

from html import escape

from app.domain.accounts.models import User
from app.domain.notifications.email import Email


def _is_english(user: User) -> bool:
    return user.language.lower().startswith("en")


def _html(title: str, paragraphs: list[str], link: str, link_label: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        '<!doctype html><html><body style="font-family:Arial,sans-serif;color:#1f2937">'
        f'<h1 style="color:#15803d">{escape(title)}</h1>{body}'
        f'<p><a href="{escape(link)}" style="color:#15803d">{escape(link_label)}</a></p>'
        "</body></html>"
    )


def welcome_email(user: User, *, site_url: str) -> Email:
    name = user.first_name or user.username
    if _is_english(user):
        subject = "Welcome to Mutirões!"
        paragraphs = [
            f"Hello, {name}!",
            "Your account is ready. Find a clean-up, a tree planting or an environmental "
            "education action near you and join in.",
            "See you at the next mutirão!",
        ]
        link_label = "Find mutirões near you"
    else:
        subject = "Bem-vindo(a) ao Mutirões!"
        paragraphs = [
            f"Olá, {name}!",
            "Sua conta está pronta. Encontre um mutirão de limpeza, um plantio de árvores ou "
            "uma ação de educação ambiental perto de você e participe.",
            "Nos vemos no próximo mutirão!",
        ]
        link_label = "Encontrar mutirões perto de você"
    text = "\n\n".join([*paragraphs, f"{link_label}: {site_url}"]) + "\n"
    return Email(
        to_address=user.email,
        to_name=user.full_name,
        subject=subject,
        text=text,
        html=_html(subject, paragraphs, site_url, link_label),
        key=f"welcome-{user.id}",
    )
