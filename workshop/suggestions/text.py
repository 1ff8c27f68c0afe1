"""What a card says, as terms: its words without stop words, stemmed, German compounds opened.

- Stop words: the `stop-words` package's German and English lists, with a few generic words of
  this domain added and a few content words kept that its long English list drops.
- Stemming: Snowball (PyStemmer, the Snowball project's C binding): "Senioren" and "Seniorinnen"
  both become "senior", "Radwege" "radweg".
- Compounds: a German compound gets the words it is built of as terms too, where those are words
  of the same card set ("Seniorentreff" → "senior" when another card says "Senioren";
  "Radverkehrskonzept" → "radverkehr"). Why the card set and not a compound splitter with its own
  lexicon: CharSplit (`compound-split`) costs 345 MB and a 3 s import that holds the GIL, and its Rust
  port needs Python ≥ 3.12; a part that no other card uses would join nothing anyway.

Pure functions over strings: no database, no Flask, nothing global that changes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import Stemmer
from stop_words import get_stop_words

GERMAN, ENGLISH = "de", "en"
STEMMERS = {GERMAN: "german", ENGLISH: "english"}

# Words of a card: letters (umlauts included), hyphenated parts split ("Online-Antrag").
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Generic words of workshop cards that join unrelated cards (the package's lists are general German
# and English): "more", "need", "should" …
EXTRA_STOP = {
    GERMAN: {
        "mehr",
        "gibt",
        "geben",
        "viele",
        "vielen",
        "brauchen",
        "braucht",
        "sollte",
        "sollten",
        "statt",
        "neue",
        "neuen",
        "neu",
        "immer",
        "überhaupt",
        "wer",
        "frühzeitig",
        "früh",
        "erst",
        "schon",
        "stärken",
        "fördern",
        "nutzen",
        "einführen",
        "bereitstellen",
        "anbieten",
        "machen",
        "holen",
        "bleiben",
        "zusammen",
        "gemeinsam",
        "einfach",
        "einfachen",
        "klaren",
        "klare",
        "fest",
        "ende",
        "anfang",
    },
    ENGLISH: {"should", "every", "each", "more", "need", "needs", "make", "instead", "very", "whether"},
}
# Content words the long English list counts as stop words ("older people", "open data").
KEEP = {ENGLISH: {"older", "open", "information", "free", "public", "work", "group", "site", "room", "help"}}

MIN_TERM = 3  # shorter stems ("ja", "ok") carry nothing
MIN_PART = 4  # a compound's part must be this long to count ("rat" in "Rathaus" would join "Bürgerrat")
MIN_REST = 3  # … and leave this much of the compound


@cache
def stop_words(language: str) -> frozenset[str]:
    words = set(get_stop_words(language)) | EXTRA_STOP.get(language, set())
    return frozenset(words - KEEP.get(language, set()))


def words(text: str) -> list[str]:
    return WORD.findall(text)


def language_of(text: str, default: str = GERMAN) -> str:
    """German or English, by which language's stop words the text has more of."""
    lowered = [w.lower() for w in words(text)]
    german = sum(w in stop_words(GERMAN) for w in lowered)
    english = sum(w in stop_words(ENGLISH) for w in lowered)
    if german == english:
        return default
    return GERMAN if german > english else ENGLISH


@dataclass
class Card:
    """One card as terms: stem -> weight (its own words 1, compound parts 0.8), and the surface
    word each stem came from (to name it to a person)."""

    id: int
    text: str
    language: str
    terms: dict[str, float] = field(default_factory=dict)
    stems: list[str] = field(default_factory=list)  # its words' stems in order (for near-duplicates)
    surfaces: dict[str, str] = field(default_factory=dict)


COMPOUND_PART_WEIGHT = 0.8
# German writes nouns with a capital: a lower-case word is a verb or an adjective ("umsetzen",
# "sichtbar"), which joins cards on what they do rather than what they are about.
LOWER_CASE_WEIGHT = 0.5


class Analyser:
    """Analyses a card set: one stemmer per language (PyStemmer's are not shared across threads:
    each call of analyse() makes its own)."""

    def __init__(self) -> None:
        self._stemmers = {lang: Stemmer.Stemmer(name) for lang, name in STEMMERS.items()}
        self._stems: dict[tuple[str, str], str] = {}

    def stem(self, word: str, language: str) -> str:
        key = (word, language)
        stem = self._stems.get(key)
        if stem is None:
            stem = self._stems[key] = self._stemmers[language].stemWord(word)
        return stem

    def analyse(self, cards: list[tuple[int, str]]) -> list[Card]:
        whole = " ".join(text for _id, text in cards)
        default = language_of(whole)
        analysed = []
        for card_id, text in cards:
            language = language_of(text, default)
            card = Card(card_id, text, language)
            stop = stop_words(language)
            for word in words(text):
                lowered = word.lower()
                if lowered in stop or len(lowered) < MIN_TERM:
                    continue
                stem = self.stem(lowered, language)
                if len(stem) < MIN_TERM:
                    continue
                card.stems.append(stem)
                weight = 1.0 if language != GERMAN or word[0].isupper() else LOWER_CASE_WEIGHT
                card.terms[stem] = max(card.terms.get(stem, 0.0), weight)
                card.surfaces.setdefault(stem, word)
            analysed.append(card)
        self._open_compounds([c for c in analysed if c.language == GERMAN])
        return analysed

    def _open_compounds(self, cards: list[Card]) -> None:
        """Give each German compound the words of the card set it begins or ends with as terms."""
        vocabulary: dict[str, str] = {}  # word (lower case) -> its stem
        for card in cards:
            for word in words(card.text):
                lowered = word.lower()
                if len(lowered) >= MIN_PART and lowered not in stop_words(GERMAN):
                    vocabulary[lowered] = self.stem(lowered, GERMAN)
        tails = {stem: word for word, stem in vocabulary.items() if len(stem) >= MIN_PART}
        for card in cards:
            for word in words(card.text):
                lowered = word.lower()
                if len(lowered) != len(word):
                    continue  # (a letter whose lower case is longer: the pieces would not line up)
                for part, (start, end) in self._parts(lowered, vocabulary, tails).items():
                    if part not in card.terms:
                        card.terms[part] = COMPOUND_PART_WEIGHT
                    # named as written inside the compound: "Bürger" of "Bürgeramt", "Verkehr" of "Radverkehr"
                    piece = word[start:end]
                    card.surfaces.setdefault(part, piece[:1].upper() + piece[1:] if word[:1].isupper() else piece)

    def _parts(self, word: str, vocabulary: dict[str, str], tails: dict[str, str]) -> dict[str, tuple[int, int]]:
        """Stems of the words the compound begins with ("senioren" in "seniorentreff", also with a
        linking s/n/en/es/er: "verkehrs" in "verkehrskonzept") or ends with ("verkehr" in
        "radverkehr"; inflected: "wegen" ends "radwegen" as "weg"). Only the longest of each; each
        with where it stands in the word."""
        parts: dict[str, tuple[int, int]] = {}
        if len(word) < MIN_PART + MIN_REST:
            return parts
        for cut in range(len(word) - MIN_REST, MIN_PART - 1, -1):  # the longest beginning first
            head = word[:cut]
            found = next((h for h in (head, *_unlinked(head)) if h in vocabulary and h != word), None)
            if found:
                parts[vocabulary[found]] = (0, len(found))
                break
        for cut in range(MIN_REST, len(word) - MIN_PART + 1):  # the longest end first
            tail = word[cut:]
            stem = vocabulary.get(tail) or self.stem(tail, GERMAN)
            if tail != word and (tail in vocabulary or stem in tails):
                parts[stem] = (cut, len(word))
                break
        return parts


LINKS = ("s", "es", "n", "en", "er", "e")  # Fugenelemente: "Verkehr-s-konzept", "Senior-en-treff"


def _unlinked(head: str) -> list[str]:
    return [head[: -len(link)] for link in LINKS if head.endswith(link) and len(head) - len(link) >= MIN_PART]


def display_words(cards: list[Card], terms: list[str]) -> list[str]:
    """Each term as the word people wrote most often for it."""
    shown = []
    for term in terms:
        written = Counter(card.surfaces[term] for card in cards if term in card.surfaces)
        shown.append(written.most_common(1)[0][0] if written else term)
    return shown
