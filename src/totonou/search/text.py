"""Text normalisation and tokens for the search index, the same for documents and queries.

Normalised text is NFKC (full- and half-width forms become one: ＡＢＣ = ABC, ｶﾀｶﾅ = カタカナ) and
case-folded, with Japanese legal-form words (株式会社, (株), ㈱, 有限会社, …) set apart as words of their own,
so a company is found with or without its legal form.

Tokens: a run of Japanese (kana, kanji) characters becomes its overlapping bigrams plus its last
character alone (見積書 → 見積 積書 書), so words of any length are found: one character by prefix, two by
one bigram, longer ones by a phrase of adjacent bigrams. A run of other letters and digits is one word,
matched whole (a prefix only when asked for with ``*``: an open prefix costs a scan of every matching
word's postings on FTS5).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Characters written without spaces: hiragana, katakana (with ー), kanji (with 々 〆 〇), hangul.
_CJK = (
    "\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7a3\uf900-\ufaff\U00020000-\U0002fa1f"
)
_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)(?P<star>\*)?")
_LEGAL_FORMS = re.compile(r"\((株|有|同|資|名)\)|(株式会社|有限会社|合同会社|合資会社|合名会社)")
_ABBREVIATIONS = {"株": "株式会社", "有": "有限会社", "同": "合同会社", "資": "合資会社", "名": "合名会社"}

#: PostgreSQL keeps word positions up to this number.
MAX_POSITION = 16383


def _legal_form(match: re.Match[str]) -> str:
    abbreviation, word = match.groups()
    return f" {_ABBREVIATIONS[abbreviation] if abbreviation else word} "


def normalize(text: str) -> str:
    return _LEGAL_FORMS.sub(_legal_form, unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Term:
    """One search term: a Japanese run (``is_cjk``) or a word, normalised. A word matches whole words
    only, unless the query ends it with ``*`` (``purch*``)."""

    text: str
    is_cjk: bool
    is_word_prefix: bool = False

    @property
    def tokens(self) -> list[str]:
        """The index tokens that must appear, adjacent and in this order (a one-character run is matched
        as a prefix of a token instead)."""
        if not self.is_cjk or len(self.text) == 1:
            return [self.text]
        return [self.text[i : i + 2] for i in range(len(self.text) - 1)]

    @property
    def is_prefix(self) -> bool:
        return self.is_word_prefix or (self.is_cjk and len(self.text) == 1)


def terms(text: str) -> list[Term]:
    """The terms of a query (or a text), in order, without repeats."""
    found: dict[Term, None] = {}
    for match in _RUNS.finditer(normalize(text)):
        cjk = match.group("cjk")
        found[Term(cjk, True) if cjk else Term(match.group("word"), False, bool(match.group("star")))] = None
    return list(found)


LEGAL_FORMS = frozenset(_ABBREVIATIONS.values())


#: English legal forms, matched as whole words after normalisation (``co., ltd.`` → ``co ltd``).
_ENGLISH_LEGAL_FORMS = re.compile(
    r"\b(co\s*\.?\s*,?\s*ltd|company\s+limited|corporation|corp|incorporated|inc|limited|ltd|llc|k\s*\.?\s*k|"
    r"co|company|gmbh|plc)\b\.?"
)
_NOT_WORD = re.compile(r"[\W_]+")


def company_key(name: str) -> str:
    """A company name folded for telling duplicates apart: normalised (width, case), without its legal
    forms (株式会社, (株), ㈱, 有限会社, …, Co., Ltd., Inc., Corp., LLC) and without spaces or punctuation.
    "株式会社サンプル", "ｻﾝﾌﾟﾙ(株)" and "サンプル" give the same key; so do "Sample Inc." and
    "SAMPLE Co., Ltd."."""
    text = normalize(name)
    for form in LEGAL_FORMS:
        text = text.replace(form, " ")
    text = _ENGLISH_LEGAL_FORMS.sub(" ", text)
    key = _NOT_WORD.sub("", text)
    return key or _NOT_WORD.sub("", normalize(name))


def query_terms(query: str) -> list[Term]:
    """The terms a query must match: a legal form (株式会社, (株), …) is left out when the query has other
    terms, so "株式会社サンプル" finds サンプル with any legal form or none."""
    found = terms(query)
    named = [term for term in found if term.text not in LEGAL_FORMS]
    return named or found


def name_key(text: str) -> str:
    """A name as compared for an exact match: normalised, without legal forms and spaces, so
    "株式会社サンプル", "サンプル (株)" and "ｻﾝﾌﾟﾙ" all read "サンプル"."""
    normalized = normalize(text)
    return "".join(part for part in normalized.split() if part not in LEGAL_FORMS)


_BIGRAMS = re.compile(r"(?=(..))", re.DOTALL)


def tokens(text: str) -> list[str]:
    """The index tokens of a text, in order (adjacent tokens of a run have adjacent positions)."""
    found: list[str] = []
    for cjk, word, _star in _RUNS.findall(normalize(text)):
        if cjk:
            found += _BIGRAMS.findall(cjk)
            found.append(cjk[-1])
        else:
            found.append(word)
    return found


def token_text(text: str) -> str:
    """The tokens as one space-separated string (SQLite's FTS5 column)."""
    return " ".join(tokens(text))


def tsvector_literal(text: str) -> str:
    """The tokens as a PostgreSQL ``tsvector`` literal with positions (``'見積':1 '積書':2``). Tokens
    hold only letters and digits, so no quoting is needed inside the quotes."""
    positions: dict[str, list[str]] = {}
    for position, token in enumerate(tokens(text), start=1):
        places = positions.get(token)
        if places is None:
            positions[token] = [str(min(position, MAX_POSITION))]
        elif len(places) < 256:
            places.append(str(min(position, MAX_POSITION)))
    return " ".join(f"'{token}':{','.join(places)}" for token, places in positions.items())


def fts5_query(query_terms: list[Term]) -> str:
    """An FTS5 MATCH expression: every term must match (a phrase of bigrams, or a prefix)."""
    parts = []
    for term in query_terms:
        phrase = " ".join(term.tokens)
        parts.append(f'"{phrase}" *' if term.is_prefix else f'"{phrase}"')
    return " AND ".join(parts)


def tsquery_literal(query_terms: list[Term]) -> str:
    """The same as a PostgreSQL ``tsquery`` literal (``'見積' <-> '積書'``, ``'firm':*``)."""
    parts = []
    for term in query_terms:
        if term.is_prefix:
            parts.append(f"'{term.text}':*")
        else:
            parts.append("(" + " <-> ".join(f"'{token}'" for token in term.tokens) + ")")
    return " & ".join(parts)


# --- Highlighting -----------------------------------------------------------------------------------


def _normalized_with_offsets(text: str) -> tuple[str, list[int]]:
    """``text`` normalised (without the legal-form spacing) and, per normalised character, the index of
    the original character it came from. A character is normalised with the combining marks after it
    (half-width ｶﾞ is one ガ)."""
    normalized: list[str] = []
    offsets: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(unicodedata.normalize("NFKC", text[j])[:1] or "a"):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j]).casefold()
        normalized.append(piece)
        offsets.extend([i] * len(piece))
        i = j
    offsets.append(len(text))
    return "".join(normalized), offsets


def highlights(text: str, query_terms: list[Term]) -> list[tuple[int, int]]:
    """Where the terms occur in ``text``: sorted, merged ``(start, end)`` ranges of the original text."""
    if not text or not query_terms:
        return []
    normalized, offsets = _normalized_with_offsets(text)
    ranges: list[tuple[int, int]] = []
    for term in query_terms:
        start = normalized.find(term.text)
        while start != -1:
            end = start + len(term.text)
            original_end = offsets[end] if end < len(offsets) else len(text)
            # the end of the original character that holds the last matched normalised character
            last = offsets[end - 1]
            original_end = max(original_end, last + 1)
            ranges.append((offsets[start], original_end))
            start = normalized.find(term.text, end)
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, query_terms: list[Term], *, width: int = 120) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around its first match (or its start), and the match ranges inside it."""
    text = " ".join(text.split())
    ranges = highlights(text, query_terms)
    if len(text) <= width:
        return text, ranges
    start = max(0, ranges[0][0] - width // 4) if ranges else 0
    end = min(len(text), start + width)
    start = max(0, end - width)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    inside = [(max(s, start) + shift, min(e, end) + shift) for s, e in ranges if e > start and s < end]
    return prefix + text[start:end] + suffix, inside
