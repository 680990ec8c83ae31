"""The sign-in and home pages (French, no script, no external resource).

Plain HTML built with escaping (``html.escape``) — the pages carry no patient data and
need no template engine; the strict Content-Security-Policy (``default-src 'none'``,
``style-src 'self'``…) lets them load nothing but themselves.
"""

from __future__ import annotations

from html import escape

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}"
    "form{margin:1.5rem 0}label{display:block;margin:.5rem 0}"
    ".erreur{color:#a00}.bouton{padding:.5rem 1rem}"
)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(title)} — esante</title>"
        '<link rel="stylesheet" href="/auth/style.css"></head>'
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


STYLE_SHEET = _STYLE


def sign_in_page(*, csrf: str, psc_available: bool, error: str | None = None) -> str:
    """The sign-in page: Pro Santé Connect, or a local account (password + TOTP code)."""
    parts = []
    if error:
        parts.append(f'<p class="erreur" role="alert">{escape(error)}</p>')
    if psc_available:
        parts.append(
            '<p><a class="bouton" id="psc" href="/auth/psc">'
            "Se connecter avec Pro Santé Connect</a> (carte CPS ou application e-CPS)</p>"
        )
    parts.append(
        '<h2>Compte local (secrétariat)</h2><form method="post" action="/auth/local">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<label>Identifiant <input name="login" autocomplete="username" required></label>'
        '<label>Mot de passe <input name="password" type="password" '
        'autocomplete="current-password" required></label>'
        '<label>Code à usage unique <input name="code" inputmode="numeric" '
        'autocomplete="one-time-code" required></label>'
        '<button class="bouton" type="submit">Se connecter</button></form>'
    )
    return _page("Connexion", "".join(parts))


def home_page(*, name: str, role_label: str, csrf: str) -> str:
    """The signed-in home: who is connected, and sign-out."""
    return _page(
        "esante",
        f'<p>Connecté(e) : <strong id="acteur">{escape(name)}</strong> ({escape(role_label)})</p>'
        '<p><a href="/docs">Documentation de l\'API</a></p>'
        '<form method="post" action="/auth/deconnexion">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<button class="bouton" type="submit">Se déconnecter</button></form>',
    )
