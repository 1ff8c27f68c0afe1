"""Localised strings in templates and records: {"de": "...", "en": "..."}; German is the default."""
from __future__ import annotations

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
