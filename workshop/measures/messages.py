"""Refusals of the record operations as sentences in both languages.

Why: a record write is refused in three places — a socket ack (the console translates nothing it
does not know), a flash after a form, a test — and a person must read a sentence in their own
language, never a raw key. The German text is the msgid (as everywhere); the English text comes
from the compiled catalog, read with babel directly so it works outside a request (the op queue).
"""

from __future__ import annotations

from functools import cache

from babel.support import NullTranslations, Translations

from workshop.i18n import DEFAULT_LOCALE, LOCALES, TRANSLATIONS_DIR, current_locale
from workshop.ops import Rejected


@cache
def _catalog(locale: str):
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [locale])


class Label(str):
    """A parameter that is itself a German catalog text (a status, a field label dict is a dict)."""


def _param(value, locale: str):
    if isinstance(value, Label):
        return _catalog(locale).gettext(str(value)) or str(value)
    if isinstance(value, dict):  # {"de": ..., "en": ...} as in the YAML templates
        return value.get(locale) or value.get(DEFAULT_LOCALE) or ""
    return value


def texts(msgid: str, **params) -> dict[str, str]:
    """{"de": ..., "en": ...} for a German msgid with %(name)s placeholders."""
    out = {}
    for locale in LOCALES:
        text = _catalog(locale).gettext(msgid) or msgid
        out[locale] = text % {k: _param(v, locale) for k, v in params.items()} if params else text
    return out


class RecordRefused(Rejected):
    """A record operation that is not allowed; nothing was changed. Carries both languages."""

    def __init__(self, code: str, msgid: str, **params):
        self.texts = texts(msgid, **params)
        super().__init__(code, self.texts["en"])

    def text(self, locale: str | None = None) -> str:
        return self.texts.get(locale or current_locale()) or self.texts[DEFAULT_LOCALE]

    def __str__(self) -> str:
        return self.text()

    def __reduce__(self):
        """As itself across processes (a refusal made in a job worker, workshop/jobs)."""
        return _restore_refusal, (type(self), self.code, self.texts)


def _restore_refusal(cls, code: str, texts_: dict[str, str]) -> RecordRefused:
    refusal = cls.__new__(cls)
    Rejected.__init__(refusal, code, texts_["en"])
    refusal.texts = texts_
    return refusal
