"""The words demo data is made of, per language: names, segments, sentence templates.

Templates use ``str.format`` slots filled by :mod:`totonou.demo.text`: ``{theme}``, ``{product}``,
``{when}``, ``{competitor}``, ``{percent}``, ``{number}``, ``{stores}``, ``{place}``, ``{title}``,
``{contact}``, ``{customer}``, ``{deal}``, ``{rep}``, ``{manager}``. Segment lists run in the same order
in every language (the ``key`` ties them together), so mixed-language data stays consistent.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SegmentWords:
    key: str
    name: str
    color: str
    cadence_days: int
    key_cadence_days: int
    #: (name pattern, kana pattern); ``{core}``/``{kana}`` are a company core, or a place when
    #: ``uses_place`` is set.
    company_patterns: tuple[tuple[str, str], ...]
    themes: tuple[str, ...]
    products: tuple[str, ...]
    deal_titles: tuple[str, ...]
    #: (department, title, is_decision_maker)
    positions: tuple[tuple[str, str, bool], ...]
    findings: tuple[str, ...] = ()
    uses_place: bool = False
    amount_range: tuple[int, int] = (500_000, 20_000_000)


@dataclass(frozen=True)
class Vocabulary:
    language: str
    team_names: tuple[str, ...]
    segments: tuple[SegmentWords, ...]
    #: (name, kana) of the distinctive part of a company name
    company_cores: tuple[tuple[str, str], ...]
    places: tuple[tuple[str, str], ...]
    whens: tuple[str, ...]
    competitors: tuple[str, ...]
    subjects: dict[str, tuple[str, ...]]
    deal_actions: dict[str, tuple[str, ...]]
    purposes: tuple[str, ...]
    openers_with_contact: dict[str, tuple[str, ...]]
    openers_without_contact: dict[str, tuple[str, ...]]
    findings: tuple[str, ...]
    reactions: tuple[str, ...]
    #: (subject, note when done) of internal work
    internal_work: tuple[tuple[str, str], ...]
    next_steps: tuple[str, ...]
    cancel_reasons: tuple[str, ...]
    loss_notes: tuple[str, ...]
    deal_next_steps: tuple[str, ...]
    manager_comments: tuple[str, ...]
    #: extra comments for activities with key customers
    manager_comments_key: tuple[str, ...]
    rep_replies: tuple[str, ...]
    deal_comments_open: tuple[str, ...]
    deal_comments_won: tuple[str, ...]
    deal_comments_lost: tuple[str, ...]
    customer_notes: tuple[str, ...]
    #: strategy hypotheses: (name, hypothesis, segment key, contact-title keywords, target share %)
    strategies: tuple[tuple[str, str, str, tuple[str, ...], int], ...]
    #: joins the sentences of a note ("" in Japanese, " " in English)
    sentence_separator: str
    area_codes: tuple[str, ...] = ()
    #: (prefecture, city) for addresses; empty: Faker's addresses
    address_cities: tuple[tuple[str, str], ...] = ()
    #: the subject of an activity on a deal
    deal_subject: str = "{deal}: {action}"


def get_vocabulary(language: str) -> Vocabulary:
    if language == "en":
        from totonou.demo.vocabulary.en import VOCABULARY as english

        return english
    from totonou.demo.vocabulary.ja import VOCABULARY as japanese

    return japanese
