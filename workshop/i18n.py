"""Localised strings in templates and records: {"de": "...", "en": "..."}; German is the default."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Blueprint, has_request_context, redirect, request
from flask_babel import Babel, get_locale
from marshmallow import ValidationError, fields

DEFAULT_LOCALE = "de"
LOCALES = ("de", "en")


def localized(value, locale: str = DEFAULT_LOCALE) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(locale) or value.get(DEFAULT_LOCALE) or next(iter(value.values()), "")


class LocalizedText(fields.Field):
    """Accepts "Text" or {de: "Text", en: "Text"}; German must be there."""

    def __init__(self, max_length: int = 2000, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {DEFAULT_LOCALE: value}
        if not isinstance(value, dict):
            raise ValidationError("must be a text or a mapping of language to text (de, en)")
        unknown = set(value) - set(LOCALES)
        if unknown:
            raise ValidationError(f"unknown language(s) {sorted(unknown)}; use {list(LOCALES)}")
        if not isinstance(value.get(DEFAULT_LOCALE), str) or not value[DEFAULT_LOCALE].strip():
            raise ValidationError("needs a German text (de)")
        for lang, text in value.items():
            if not isinstance(text, str):
                raise ValidationError(f"{lang}: must be a text")
            if len(text) > self.max_length:
                raise ValidationError(f"{lang}: longer than {self.max_length} characters")
        return {lang: text.strip() for lang, text in value.items()}


# --- UI language: Flask-Babel with German msgids (German is the source text, English the catalog) ---

LOCALE_COOKIE = "lang"


def N_(text: str) -> str:
    """Marks a German text for the catalog (pybabel -k N_); translated where it is shown."""
    return text


# A German msgid, or (context, msgid) for one that means something else elsewhere (NP_).
Msgid = str | tuple[str, str]


def NP_(context: str, text: str) -> tuple[str, str]:
    """Marks a German text with a context for the catalog (pybabel -k NP_:1c,2), e.g. a step
    titled "Pause" (a break; the timer's "Pause" is another word in English)."""
    return (context, text)


TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@cache
def catalog(language: str) -> NullTranslations:
    """Babel's translations of one language, read directly (no request needed: the CLI, the
    engine, a protocol in another language than its reader's)."""
    if language == DEFAULT_LOCALE or language not in LOCALES:
        return NullTranslations()  # the msgids are German
    return Translations.load(str(TRANSLATIONS_DIR), [language])


def in_language(language: str, msgid: Msgid, **values) -> str:
    """A catalog text in a given language (German: the msgid itself)."""
    if isinstance(msgid, tuple):
        text = str(catalog(language).pgettext(*msgid))
    else:
        text = str(catalog(language).gettext(msgid))
    return text % values if values else text


def in_every_language(msgid: Msgid, **values) -> dict[str, str]:
    """{de: …, en: …} of a catalog text: how a step made from a preset keeps both languages."""
    return {language: in_language(language, msgid, **values) for language in LOCALES}


def in_current_language(msgid: Msgid, **values) -> str:
    """A catalog text in the viewer's language (German outside a request)."""
    return in_language(current_locale(), msgid, **values)


LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}


def select_locale() -> str:
    """The person's own choice (cookie set by /lang/<code>); German otherwise."""
    chosen = request.cookies.get(LOCALE_COOKIE, "")
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def current_locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE) if has_request_context() else DEFAULT_LOCALE


@cache
def js_catalog(locale: str) -> dict[str, str]:
    """The msgids used in static/js (from the .po locations) with their text in `locale`."""
    po = TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return {}
    with po.open("rb") as handle:
        catalog = read_po(handle)
    catalog_js: dict[str, str] = {}
    for message in catalog:
        if not message.id or not any(path.startswith("static/js/") for path, _line in message.locations):
            continue
        msgid, text = str(message.id), str(message.string or "")  # plain messages: no plural forms in js
        catalog_js[msgid] = (text or msgid) if locale == "en" else msgid
    return catalog_js


def _safe_next(target: str | None) -> str:
    """Only same-site paths: "/x?y" yes; "//evil", "http://…", "\\\\x" no."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):  # CR/LF would split the header
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


lang_bp = Blueprint("lang", __name__)


@lang_bp.get("/lang/<code>")
def switch(code: str):
    response = redirect(_safe_next(request.args.get("next")))
    if code in LOCALES:
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_i18n(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(lang_bp)
    app.jinja_env.globals["localized"] = lambda value, locale=None: localized(value, locale or current_locale())

    @app.context_processor
    def _i18n_context():
        locale = current_locale()
        return {"locale": locale, "js_catalog": js_catalog(locale), "language_names": LANGUAGE_NAMES}
