"""Find user-visible text that does not go through the catalog, in templates and in static/js.

Templates: the Jinja lexer splits a template into data and tags; tags ({{ }}, {% %}, {# #}) and the
text inside {% trans %} blocks become a NUL mask, and a small HTML scanner reads what is left:
text between tags and the accessible-name attributes (aria-label, title, placeholder, alt).
"""

from __future__ import annotations

import re

LETTER = re.compile(r"[A-Za-zÄÖÜäöüß]")
TEXT_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description", "aria-roledescription"}
# Text that is the same in every language: the brand, and short codes / abbreviations.
ALLOWED_TEXT = {"Workshop", "Ref.", "QR", "PDF", "Markdown", "HTML", "de", "en", "Deutsch", "English"}
MASK = "\x00"


def masked_from_lexer(env, source: str, name: str) -> str:
    """The template's data with every Jinja tag and every {% trans %} body replaced by MASK."""
    parts, in_block, block_words, in_trans, in_class = [], False, [], False, False
    for _lineno, kind, value in env.lex(source, name):
        if kind == "block_begin":
            in_block, block_words = True, []
        elif kind == "block_end":
            in_block = False
            if block_words[:1] == ["trans"]:
                in_trans = True
            elif block_words[:1] == ["endtrans"]:
                in_trans = False
            elif block_words[:2] == ["block", "body_class"]:  # CSS class names, not text
                in_class = True
            elif in_class and block_words[:1] == ["endblock"]:
                in_class = False
        elif in_block and kind == "name":
            block_words.append(value)
        if kind == "data" and not in_trans and not in_class:
            parts.append(value)
        else:
            parts.append(MASK)
    return "".join(parts)


def masked_from_source(source: str) -> str:
    """Same length as source, Jinja tags replaced by MASK (offsets stay valid)."""
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", lambda m: MASK * len(m.group()), source, flags=re.S)


def _runs(text: str, start: int, end: int):
    """Pieces of text[start:end] between masks, stripped, with their offsets."""
    for piece in re.finditer(r"[^\x00]+", text[start:end]):
        raw = piece.group()
        core = raw.strip()
        if core:
            offset = start + piece.start() + raw.index(core)
            yield offset, offset + len(core), core


def html_texts(masked: str):
    """(start, end, text, where) of every text run and text attribute value in masked HTML."""
    i, n = 0, len(masked)
    while i < n:
        lt = masked.find("<", i)
        stop = n if lt < 0 else lt
        for start, end, core in _runs(masked, i, stop):
            yield start, end, core, "text"
        if lt < 0:
            return
        if masked.startswith("<!--", lt):
            i = masked.find("-->", lt) + 3 if masked.find("-->", lt) >= 0 else n
            continue
        tag_name = re.match(r"</?([A-Za-z0-9-]*)", masked[lt:]).group(1).lower()
        j = lt + 1
        while j < n and masked[j] != ">":
            attr = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')""").match(masked, j)
            if attr:
                name = attr.group(1).lower()
                if name in TEXT_ATTRIBUTES:
                    vstart = attr.start(2) + 1
                    for start, end, core in _runs(masked, vstart, attr.end(2) - 1):
                        yield start, end, core, name
                j = attr.end()
            else:
                j += 1
        i = j + 1
        if tag_name in ("script", "style") and not masked[lt + 1 : lt + 2] == "/":
            close = masked.lower().find(f"</{tag_name}", i)
            i = n if close < 0 else close


def needs_translation(text: str) -> bool:
    core = text.strip(" –-·:()")
    if re.fullmatch(r"/[\w/-]*", core):  # a path shown as is, e.g. "/join"
        return False
    return bool(LETTER.search(core)) and core not in ALLOWED_TEXT


# --- JavaScript -------------------------------------------------------------------------------

JS_STRING = re.compile(r"""(?P<q>["'`])(?P<body>(?:\\.|(?!(?P=q)).)*)(?P=q)""", re.S)
UMLAUT = re.compile(r"[ÄÖÜäöüß„“]")
# Literals that look like text but are not shown to people: selectors, class lists, event names.
ALLOWED_JS = {"Enter", "Escape", "ArrowUp", "ArrowDown", "Tab", " ", "Content-Type"}


# Places where any literal is shown to people, even one lowercase word ("verbunden").
TEXT_SINK = re.compile(
    r"""(textContent\s*=|\b(?:status|announce|showError|setConnection|confirm|prompt)\(|"""
    r"""\b(?:text|placeholder|title|alt)\s*:|"aria-label"\s*:)\s*$"""
)


def looks_like_user_text(body: str) -> bool:
    if body in ALLOWED_JS or "${" in body and not LETTER.search(re.sub(r"\$\{[^}]*\}", "", body)):
        return False
    plain = re.sub(r"\$\{[^}]*\}", "", body)
    if UMLAUT.search(plain):
        return True
    # a capitalised word followed by more words, or a sentence-like text: "Karte hinzufügen", "Neu laden"
    return (
        bool(re.search(r"[A-Za-z]", plain))
        and bool(re.search(r"(^|\s)[A-ZÄÖÜ][a-zäöüß]+", plain))
        and (" " in plain.strip() or plain[:1].isupper())
    )


def js_untranslated(source: str):
    """(line, literal) of string literals that look like user text and are not the argument of _()."""
    stripped = re.sub(r"//[^\n]*|/\*.*?\*/", lambda m: " " * len(m.group()), source, flags=re.S)
    for match in JS_STRING.finditer(stripped):
        body = match.group("body")
        before = stripped[: match.start()].rstrip()
        if not looks_like_user_text(body) and not (
            LETTER.search(re.sub(r"\$\{[^}]*\}", "", body)) and TEXT_SINK.search(before[-40:] + " ")
        ):
            continue
        if before.endswith("_(") or before.endswith("import") or before.endswith("from"):
            continue
        yield stripped.count("\n", 0, match.start()) + 1, match.group()
