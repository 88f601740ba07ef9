"""How much ``totonou seed`` makes: the demo set, the large benchmark set and a tiny large-shaped set."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedSize:
    name: str
    teams: int
    #: managers; the first (``manager``) manages every team, the others one team each
    managers: int
    reps: int
    segments: int
    customers: int
    contacts_per_customer: float
    deals: int
    #: working days before today that get activities, and working days from today on
    past_days: int
    future_days: int
    #: the number of activities to aim for (the result is within a few per cent)
    activities: int
    #: share of reviewed activities that get a manager's comment (some answered by the rep), and how
    #: many deals get a comment
    comment_share: float
    deal_comments: int
    #: done activities of the last ``review_days`` working days reviewed by a manager, and the share
    review_days: int
    review_share: float
    #: comments go on activities of the last ``comment_days`` working days
    comment_days: int
    #: share of reps' results in the review window liked by a teammate or the manager
    reaction_share: float
    #: share of notes written in the other language (the large set mixes Japanese and English)
    other_language_share: float
    #: drop secondary indexes (and PostgreSQL foreign keys) for the load, build them afterwards
    defer_indexes: bool
    #: run ANALYZE afterwards so the planner knows the new row counts
    analyze: bool


DEMO = SeedSize(
    name="demo",
    teams=2,
    managers=1,
    reps=6,
    segments=6,
    customers=300,
    contacts_per_customer=3.0,
    deals=150,
    past_days=82,  # about 120 calendar days (116-133 depending on holidays)
    future_days=15,  # about three weeks
    activities=4000,
    comment_share=0.2,
    deal_comments=12,
    review_days=30,
    review_share=0.5,
    comment_days=20,
    reaction_share=0.25,
    other_language_share=0.0,
    defer_indexes=False,
    analyze=False,
)

LARGE = SeedSize(
    name="large",
    teams=8,
    managers=8,
    reps=41,  # with the admin: 50 users
    segments=12,
    customers=100_000,
    contacts_per_customer=2.5,
    deals=60_000,
    past_days=490,  # two years of working days
    future_days=15,
    activities=2_000_000,
    comment_share=0.06,
    deal_comments=3_000,
    review_days=490,
    review_share=0.2,
    comment_days=490,
    reaction_share=0.05,
    other_language_share=0.2,
    defer_indexes=True,
    analyze=True,
)

# The large code path at a size the test suite can afford.
TINY = SeedSize(
    name="tiny",
    teams=3,
    managers=3,
    reps=6,
    segments=12,
    customers=120,
    contacts_per_customer=2.5,
    deals=40,
    past_days=30,
    future_days=10,
    activities=400,
    comment_share=0.3,
    deal_comments=5,
    review_days=30,
    review_share=0.2,
    comment_days=30,
    reaction_share=0.2,
    other_language_share=0.2,
    defer_indexes=True,
    analyze=True,
)

SIZES = {size.name: size for size in (DEMO, LARGE, TINY)}
