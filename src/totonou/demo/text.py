"""Sentences for seeded records, assembled from the vocabulary's templates.

Cheap enough for millions of rows: a handful of ``random.choice`` calls and ``str.format_map`` per
record, no Faker. Slots are filled lazily and shared within one record, so an activity's subject,
purpose, notes and next step talk about the same theme and product.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from totonou.demo.vocabulary import SegmentWords, Vocabulary

PERCENTS = ("3", "5", "8", "10", "12", "15", "20", "30")
MINUTES = ("20", "30", "45", "60", "90")
NUMBERS = ("10", "20", "30", "50", "100", "200", "300")
STORES = ("3", "5", "8", "12", "20", "30", "50")


def capitalise(text: str) -> str:
    """Upper-case the first letter ("{product} demo" → "Baby food demo"); Japanese is unaffected."""
    return text[:1].upper() + text[1:]


class Slots(dict[str, str]):
    """Template values, each made on first use."""

    def __init__(
        self, rng: random.Random, vocabulary: Vocabulary, segment: SegmentWords, **given: str
    ) -> None:
        super().__init__(given)
        self.rng = rng
        self.vocabulary = vocabulary
        self.segment = segment

    def __missing__(self, key: str) -> str:
        choice = self.rng.choice
        vocabulary, segment = self.vocabulary, self.segment
        if key == "theme":
            value = choice(segment.themes)
        elif key == "product":
            value = choice(segment.products)
        elif key == "when":
            value = choice(vocabulary.whens)
        elif key == "competitor":
            value = choice(vocabulary.competitors)
        elif key == "percent":
            value = choice(PERCENTS)
        elif key == "number":
            value = choice(NUMBERS)
        elif key == "minutes":
            value = choice(MINUTES)
        elif key == "stores":
            value = choice(STORES)
        elif key == "place":
            value = choice(vocabulary.places)[0]
        elif key == "title":
            value = choice(segment.positions)[1]
        else:
            value = ""
        self[key] = value
        return value


@dataclass(frozen=True)
class ActivityText:
    subject: str
    purpose: str
    notes: str
    next_step: str
    cancel_reason: str
    theme: str


class TextMaker:
    """Writes subjects, notes and comments in the main language, some in the other one."""

    def __init__(
        self, rng: random.Random, main: Vocabulary, other: Vocabulary | None = None, other_share: float = 0.0
    ) -> None:
        self.rng = rng
        self.main = main
        self.other = other
        self.other_share = other_share if other is not None else 0.0

    def vocabulary(self) -> Vocabulary:
        if self.other is not None and self.other_share and self.rng.random() < self.other_share:
            return self.other
        return self.main

    def slots(self, vocabulary: Vocabulary, segment_index: int, **given: Any) -> Slots:
        return Slots(self.rng, vocabulary, vocabulary.segments[segment_index], **given)

    def activity(
        self,
        *,
        type_slug: str,
        segment_index: int,
        status: str,
        customer: str = "",
        contact: tuple[str, str] | None = None,
        deal: tuple[str, str] | None = None,
    ) -> ActivityText:
        """``contact`` is (name as addressed, title); ``deal`` is (title, stage slug)."""
        rng = self.rng
        vocabulary = self.vocabulary()
        given = {"customer": customer}
        if contact is not None:
            given["contact"], given["title"] = contact
        slots = self.slots(vocabulary, segment_index, **given)
        purpose = notes = next_step = cancel_reason = ""
        if type_slug == "internal":
            subject, note = rng.choice(vocabulary.internal_work)
            if status == "done":
                notes = note.format_map(slots)
        elif deal is not None:
            action = rng.choice(vocabulary.deal_actions[deal[1]])
            subject = vocabulary.deal_subject.format(deal=deal[0], action=action)
        else:
            subject = rng.choice(vocabulary.subjects[type_slug]).format_map(slots)
        if type_slug != "internal" and (status != "done" or rng.random() < 0.3):
            purpose = rng.choice(vocabulary.purposes).format_map(slots)
        if status == "done":
            if type_slug != "internal":
                notes = self._notes(vocabulary, slots, type_slug, has_contact=contact is not None)
                if rng.random() < 0.75:
                    next_step = rng.choice(vocabulary.next_steps).format_map(slots)
        elif status == "cancelled":
            cancel_reason = rng.choice(vocabulary.cancel_reasons)
        return ActivityText(
            capitalise(subject),
            capitalise(purpose),
            notes,
            capitalise(next_step),
            cancel_reason,
            slots["theme"],
        )

    def _notes(self, vocabulary: Vocabulary, slots: Slots, type_slug: str, *, has_contact: bool) -> str:
        rng = self.rng
        openers = vocabulary.openers_with_contact if has_contact else vocabulary.openers_without_contact
        sentences = [rng.choice(openers.get(type_slug) or openers["other"])]
        specific = slots.segment.findings
        brief = type_slug in ("call", "email")  # a call or an email gets a line or two
        findings = (0 if rng.random() < 0.5 else 1) if brief else (1 if rng.random() < 0.6 else 2)
        for _ in range(findings):
            pool = specific if specific and rng.random() < 0.6 else vocabulary.findings
            sentence = rng.choice(pool)
            if sentence not in sentences:
                sentences.append(sentence)
        if not brief or rng.random() < 0.5:
            sentences.append(rng.choice(vocabulary.reactions))
        return vocabulary.sentence_separator.join(
            capitalise(sentence.format_map(slots)) for sentence in sentences
        )

    def pick(self, templates: tuple[str, ...], segment_index: int, **given: Any) -> str:
        """One template of ``templates`` (from the main vocabulary) filled in."""
        return self.rng.choice(templates).format_map(self.slots(self.main, segment_index, **given))
