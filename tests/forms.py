"""Reading a page's form as a browser would send it (the step editor's pages, in tests)."""

from __future__ import annotations

import html
import re


def form_of(page: str) -> dict:
    """Every field of the editor's form as the browser would send it."""
    form = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        form[name] = value
    for tag in re.findall(r'<input[^>]*type="checkbox"[^>]*>', page):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        if "checked" not in tag:
            form.pop(name, None)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        form[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body) or re.search(r'<option value="([^"]*)"', body)
        form[name] = chosen.group(1) if chosen else ""
    form.pop("action", None)
    return {name: html.unescape(value) for name, value in form.items()}
