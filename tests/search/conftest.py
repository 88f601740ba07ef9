"""A small corpus with Japanese and English texts, written through the domain services (which feed the
search index), and helpers to read search results as ``{type: [titles]}``."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import make_team
from totonou.activities.models import Activity, ActivityType
from totonou.activities.services import activity_create
from totonou.customers.models import Contact, Customer
from totonou.customers.services import contact_create, customer_create
from totonou.deals.models import Deal
from totonou.deals.services import deal_create
from totonou.search.selectors import SearchQuery, search
from totonou.users.models import User

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 4, day, hour, tzinfo=TOKYO)


@dataclass
class Corpus:
    manager: User
    rep1: User
    rep2: User
    customers: dict[str, Customer]
    contacts: dict[str, Contact]
    deals: dict[str, Deal]
    activities: dict[str, Activity]


@pytest.fixture
def corpus(db) -> Corpus:
    _team, manager, (rep1, rep2) = make_team("Team A")
    visit = ActivityType.objects.get(slug="visit")
    customers = {
        "sample": customer_create(actor=rep1, name="株式会社サンプル商事", name_kana="サンプルショウジ"),
        "hikari": customer_create(actor=rep2, name="(株)ひかりフーズ", name_kana="ヒカリフーズ"),
        "acme": customer_create(actor=rep1, name="Acme Trading Co., Ltd.", name_kana="アクメトレーディング"),
        "abc": customer_create(actor=rep2, name="ＡＢＣストア", name_kana="ｴｰﾋﾞｰｼｰｽﾄｱ"),
    }
    contacts = {
        "yamada": contact_create(
            actor=rep1,
            customer=customers["sample"],
            name="山田 太郎",
            name_kana="ヤマダ タロウ",
            department="購買部",
            title="部長",
        ),
        "jane": contact_create(
            actor=rep1,
            customer=customers["acme"],
            name="Jane Smith",
            department="Purchasing",
            title="Manager",
        ),
    }
    deals = {
        "replace": deal_create(
            actor=rep1,
            customer=customers["sample"],
            title="サンプル商事 リプレース案件",
            next_step="見積書を再提出",
        ),
        "firmware": deal_create(
            actor=rep1,
            customer=customers["acme"],
            title="Acme firmware upgrade",
            next_step="Send the price list",
        ),
    }

    def plan(actor: User, day: int, customer: str, **texts: str) -> Activity:
        return activity_create(
            actor=actor,
            type=visit,
            customer=customers[customer],
            starts_at=at(day),
            ends_at=at(day, 11),
            **texts,
        )

    activities = {
        "quote": plan(
            rep1, 1, "sample", subject="見積提示", notes="価格について説明した。リプレースの時期は未定。"
        ),
        "regular": plan(
            rep1,
            2,
            "sample",
            subject="定例訪問",
            purpose="関係維持",
            notes="新商品のサンプル提供",
            next_step="見積を作成",
        ),
        "demo": plan(
            rep1,
            3,
            "acme",
            subject="Firmware demo",
            notes="Showed the new FIRMWARE build; price is OK.",
            next_step="send quote",
        ),
        "katakana": plan(rep2, 4, "abc", subject="ｶﾀｶﾅ入力の確認", notes="ＡＢＣ社の担当と打ち合わせ"),
        "proposal": plan(
            rep2, 5, "hikari", subject="リプレース提案", notes="firmware 更新の見積を依頼された"
        ),
    }
    return Corpus(manager, rep1, rep2, customers, contacts, deals, activities)


def found(user: Any, q: str, **filters: Any) -> dict[str, list[str]]:
    """``{type: [titles, newest first]}`` of the first page of every type."""
    groups = search(user=user, query=SearchQuery(q=q, **filters), page_size=50)
    return {group.kind: [hit.title for hit in group.hits] for group in groups}
