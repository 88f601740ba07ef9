"""The import engine shared by the command line (and later the pages and the API).

A file is read row by row; each row becomes fields (the API's names), its references (owner, stage,
segment, type, customer, deal) are resolved, and the record is created or updated through the domain
services, matched by ``external_id`` (contacts: by customer and email, else name), so importing the same
file twice changes nothing the second time. Each row runs in its own savepoint: a failed row is reported
with its reason and the others go on. A dry run does all of it in a transaction that is rolled back.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from totonou.activities.models import Activity, ActivityType
from totonou.activities.rebuild import database_analyze
from totonou.activities.services import (
    activities_create_many,
    activity_create,
    activity_type_create,
    activity_update,
)
from totonou.core.exceptions import ConflictError
from totonou.customers.models import Contact, Customer, Segment
from totonou.customers.services import (
    contact_create,
    contact_update,
    customer_create,
    customer_update,
    customers_create_many,
    segment_create,
)
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.deals.services import (
    deal_change_stage,
    deal_create,
    deal_update,
    default_stage,
    stage_create,
)
from totonou.imports.parsing import (
    ValueError_,
    fold,
    parse_amount,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
)
from totonou.imports.reading import FileRefused, cell_text, open_table
from totonou.search.text import company_key
from totonou.users.models import Team, User
from totonou.users.services import team_create

KINDS = ("customers", "contacts", "deals", "activities", "users", "targets")
#: Rows per transaction and checkpoint (ADR 0026).
BATCH_SIZE = 500
#: An import that creates at least this many records refreshes the planner's statistics at its end
#: (``totonou rebuild``'s ``ANALYZE``): a bulk load changes the tables' sizes, and plans made on stale
#: statistics are the slow queries of a freshly loaded database (issue 20).
ANALYZE_AFTER_ROWS = 10_000
CREATE, UPDATE, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"

# field -> header spellings (compared folded: width and case do not matter)
ALIASES: dict[str, dict[str, list[str]]] = {
    "customers": {
        "external_id": [
            "external_id",
            "external id",
            "id",
            "顧客id",
            "顧客コード",
            "取引先コード",
            "customer id",
            "account id",
        ],
        "name": [
            "name",
            "会社名",
            "顧客名",
            "取引先名",
            "取引先",
            "company",
            "company name",
            "account",
            "account name",
        ],
        "name_kana": ["name_kana", "フリガナ", "ふりがな", "会社名カナ", "カナ", "kana"],
        "segment": ["segment", "セグメント", "区分", "業種"],
        "owner": ["owner", "担当者", "営業担当", "担当", "account owner", "sales rep"],
        "is_key": ["is_key", "重点顧客", "重点", "key", "key customer"],
        "cadence_days": ["cadence_days", "訪問間隔", "訪問頻度(日)", "cadence"],
        "status": ["status", "ステータス", "状態"],
        "postal_code": ["postal_code", "郵便番号", "zip", "postal code", "zip code"],
        "address": ["address", "住所", "所在地"],
        "phone": ["phone", "電話番号", "電話", "tel", "phone number"],
        "website": ["website", "url", "ホームページ", "web", "ウェブサイト"],
        "notes": ["notes", "備考", "メモ", "note", "description"],
    },
    "contacts": {
        "customer": [
            "customer",
            "会社名",
            "顧客名",
            "取引先名",
            "顧客コード",
            "company",
            "account",
            "account name",
            "account id",
        ],
        "name": ["name", "氏名", "名前", "担当者名", "contact", "contact name", "full name"],
        "name_kana": ["name_kana", "フリガナ", "ふりがな", "氏名カナ", "kana"],
        "department": ["department", "部署", "部署名", "部門"],
        "title": ["title", "役職", "job title"],
        "email": ["email", "メール", "メールアドレス", "e-mail", "email address"],
        "phone": ["phone", "電話番号", "電話", "tel", "phone number"],
        "is_decision_maker": ["is_decision_maker", "決裁者", "decision maker"],
        "notes": ["notes", "備考", "メモ", "note"],
    },
    "deals": {
        "external_id": [
            "external_id",
            "external id",
            "id",
            "案件id",
            "案件コード",
            "deal id",
            "opportunity id",
        ],
        "title": ["title", "案件名", "件名", "deal", "deal name", "opportunity", "opportunity name"],
        "customer": [
            "customer",
            "会社名",
            "顧客名",
            "取引先名",
            "顧客コード",
            "company",
            "account",
            "account name",
            "account id",
        ],
        "owner": ["owner", "担当者", "営業担当", "担当", "deal owner", "opportunity owner"],
        "amount": ["amount", "金額", "受注金額", "見込金額", "amount (jpy)"],
        "stage": ["stage", "フェーズ", "ステージ", "段階", "進捗"],
        "expected_close_date": ["expected_close_date", "受注予定日", "完了予定日", "expected close date"],
        "opened_on": ["opened_on", "開始日", "作成日", "created date", "opened", "created"],
        "closed_on": ["closed_on", "受注日", "失注日", "完了日", "close date", "closed date", "closed"],
        "loss_reason": ["loss_reason", "失注理由", "loss reason"],
        "loss_note": ["loss_note", "失注メモ", "loss note"],
        "next_step": ["next_step", "次のステップ", "ネクストアクション", "next step"],
        "notes": ["notes", "備考", "メモ", "description"],
    },
    "activities": {
        "external_id": ["external_id", "external id", "id", "活動id", "activity id"],
        "type": ["type", "種別", "活動種別", "活動の種類", "activity type"],
        "customer": [
            "customer",
            "会社名",
            "顧客名",
            "取引先名",
            "顧客コード",
            "company",
            "account",
            "account name",
            "account id",
        ],
        "deal": ["deal", "案件", "案件id", "deal id", "opportunity"],
        "owner": ["owner", "担当者", "営業担当", "担当", "assigned to"],
        "starts_at": ["starts_at", "日時", "開始日時", "日付", "活動日", "date", "start", "start date"],
        "ends_at": ["ends_at", "終了日時", "end", "end date"],
        "status": ["status", "状態", "ステータス"],
        "subject": ["subject", "件名", "タイトル"],
        "purpose": ["purpose", "目的"],
        "notes": ["notes", "内容", "メモ", "備考", "comments"],
        "next_step": ["next_step", "次のステップ", "ネクストアクション", "next step"],
    },
    "users": {
        "external_id": [
            "external_id",
            "external id",
            "id",
            "社員番号",
            "従業員番号",
            "社員コード",
            "employee id",
            "user id",
        ],
        "username": ["username", "ユーザー名", "ログインid", "ログイン名", "user name", "login"],
        "email": ["email", "メール", "メールアドレス", "e-mail", "email address"],
        "display_name": ["display_name", "表示名", "氏名", "名前", "display name", "full name", "name"],
        "team": ["team", "チーム", "所属", "所属チーム", "team name"],
        "role": ["role", "権限", "役割", "ロール"],
        "language": ["language", "言語", "表示言語"],
        "time_zone": ["time_zone", "タイムゾーン", "time zone", "timezone"],
    },
    "targets": {
        "user": ["user", "担当者", "営業担当", "担当", "ユーザー名", "rep", "username", "sales rep"],
        "team": ["team", "チーム", "所属", "team name"],
        "metric": ["metric", "指標", "目標項目", "項目"],
        "period": ["period", "期間", "対象期間", "年月", "month"],
        "value": ["value", "目標", "目標値", "目標額", "target", "target value"],
    },
}
REQUIRED = {
    "customers": ["name"],
    "contacts": ["customer", "name"],
    "deals": ["title", "customer"],
    "activities": ["type", "customer", "starts_at"],
    "users": ["username"],
    "targets": ["metric", "period", "value"],
}
# Columns whose values name other records: the value-mapping step lists their unknown values.
REFERENCE_FIELDS = {"owner", "segment", "stage", "loss_reason", "type", "team", "user"}
# Headers of a column no import reads, whatever the mapping: passwords never come from a file.
PASSWORD_HEADERS = {"password", "パスワード", "pass", "passwd", "pwd"}


def guess_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """column header -> field, for the headers that name a field (each field once, first column wins)."""
    lookup = {fold(alias): name for name, aliases in ALIASES[kind].items() for alias in aliases}
    mapping: dict[str, str] = {}
    for header in headers:
        name = lookup.get(fold(header))
        if name and name not in mapping.values():
            mapping[header] = name
    return mapping


@dataclass
class Options:
    kind: str
    mapping: dict[str, str] = field(default_factory=dict)  # column -> field (overrides the guess)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {value: target}
    create_missing: bool = False
    default_owner: User | None = None
    date_order: str = ""  # "", "mdy" or "dmy"
    dry_run: bool = False


@dataclass
class RowResult:
    line: int
    status: str
    key: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "status": self.status, "key": self.key, "message": self.message}


@dataclass
class Report:
    """The counts, and the rows worth reporting (all but the unchanged ones). With ``keep=False`` the
    rows are not kept: a caller takes each batch's rows with ``drain()`` (and stores or prints them), so
    memory does not grow with the file."""

    rows: list[RowResult] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {CREATE: 0, UPDATE: 0, UNCHANGED: 0, FAILED: 0})
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str = ""
    keep: bool = True
    fresh: list[RowResult] = field(default_factory=list)

    def add(self, result: RowResult) -> None:
        self.counts[result.status] += 1
        if result.status != UNCHANGED:
            if self.keep:
                self.rows.append(result)
            self.fresh.append(result)

    def drain(self) -> list[RowResult]:
        """The rows added since the last call."""
        rows, self.fresh = self.fresh, []
        return rows

    @property
    def failed(self) -> int:
        return self.counts[FAILED]


class RowError(Exception):
    """A row that cannot be imported; the message says why."""


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(str(message) for message in error.messages)


#: What a row can fail with; anything else stops the run.
ROW_ERRORS = (RowError, ValueError_, ValidationError, PermissionDenied, ConflictError)


def _failure(line: int, error: Exception) -> RowResult:
    if isinstance(error, ValidationError):
        message = _messages(error)
    elif isinstance(error, PermissionDenied | ConflictError):
        message = str(error) or _("Not allowed.")
    else:
        message = str(error)
    return RowResult(line, FAILED, message=message)


# --- References ------------------------------------------------------------------------------------------


class Resolver:
    """Finds the records a row names, with the value mappings and the create-missing choice; caches."""

    def __init__(self, actor: User, options: Options) -> None:
        self.actor = actor
        self.options = options
        self.cache: dict[tuple[str, str], Any] = {}
        self.customers: dict[str, Customer | RowError] = {}
        self.deals: dict[str, Deal | None] = {}

    def mapped(self, column: str, value: str) -> str:
        return self.options.values.get(column, {}).get(value, value)

    def owner(self, text: str) -> User:
        key = ("owner", fold(text))
        if key not in self.cache:
            folded = fold(text)
            found = None
            for user in User.objects.filter(
                Q(username__iexact=text) | Q(email__iexact=text) | Q(display_name=text)
            ):
                found = user
                break
            if found is None:
                for user in User.objects.only("pk", "username", "email", "display_name", "is_active"):
                    if folded in {fold(user.username), fold(user.email or ""), fold(user.display_name or "")}:
                        found = user
                        break
            if found is None:
                raise RowError(
                    _("No user “%(value)s” (owners are matched by username, email or display name).")
                    % {"value": text}
                )
            self.cache[key] = found
        return self.cache[key]

    def _named(self, model: Any, label: str, text: str, create: Callable[[], Any] | None) -> Any:
        key = (label, fold(text))
        if key not in self.cache:
            folded = fold(text)
            found = None
            for item in model.objects.all():
                names = {
                    fold(getattr(item, attr, "") or "") for attr in ("slug", "name_ja", "name_en", "name")
                }
                if folded in names:
                    found = item
                    break
            if found is None:
                if create is None or not self.options.create_missing:
                    raise RowError(
                        _("No %(kind)s “%(value)s”; map it to an existing one or choose to create it.")
                        % {"kind": label, "value": text}
                    )
                found = create()
            self.cache[key] = found
        return self.cache[key]

    def stage(self, text: str) -> Stage:
        def create() -> Stage:
            # a new open stage, after the open ones (an administrator sets its probability later)
            last = Stage.objects.filter(kind=Stage.Kind.OPEN).order_by("-order").first()
            order = last.order + 1 if last is not None else 0
            return stage_create(
                actor=self.actor, name_ja=text, name_en=text, kind=Stage.Kind.OPEN, order=order
            )

        return self._named(Stage, _("stage"), text, create)

    def loss_reason(self, text: str) -> LossReason:
        return self._named(LossReason, _("loss reason"), text, None)

    def segment(self, text: str) -> Segment:
        return self._named(Segment, _("segment"), text, lambda: segment_create(actor=self.actor, name=text))

    def activity_type(self, text: str) -> ActivityType:
        def create() -> ActivityType:
            return activity_type_create(actor=self.actor, name_ja=text, name_en=text)

        return self._named(ActivityType, _("activity type"), text, create)

    def team(self, text: str) -> Team:
        def create() -> Team:
            return team_create(actor=self.actor, name=text)

        return self._named(Team, _("team"), text, create)

    def forget_records(self) -> None:
        """Customers and deals are remembered for one batch only, so memory does not grow with the
        file (reference data stays cached: there are few)."""
        self.customers.clear()
        self.deals.clear()

    def _customer_found(self, text: str, matches: list[Customer]) -> Customer | RowError:
        if len(matches) > 1:
            return RowError(
                _("More than one customer is named “%(value)s”; use its external id.") % {"value": text}
            )
        if not matches:
            return RowError(_("No customer “%(value)s” (by external id or name).") % {"value": text})
        return matches[0]

    def prefetch_customers(self, texts: Iterable[str]) -> None:
        """Find the customers a batch names in two queries (by external id, then by folded name), the
        way ``customer`` finds one."""
        wanted = {text for text in texts if text and text not in self.customers}
        if not wanted:
            return
        for customer in Customer.objects.filter(external_id__in=wanted, merged_into__isnull=True):
            self.customers[customer.external_id] = customer
        keys = {text: company_key(text) for text in wanted if text not in self.customers}
        named: dict[str, list[Customer]] = {}
        if any(keys.values()):
            for customer in Customer.objects.filter(
                name_key__in={key for key in keys.values() if key}, merged_into__isnull=True
            ):
                named.setdefault(customer.name_key, []).append(customer)
        for text, key in keys.items():
            self.customers[text] = self._customer_found(text, named.get(key, []) if key else [])

    def customer(self, text: str) -> Customer:
        if text not in self.customers:
            found = Customer.objects.filter(external_id=text, merged_into__isnull=True).first()
            if found is None:
                name_key = company_key(text)
                matches = (
                    list(Customer.objects.filter(name_key=name_key, merged_into__isnull=True)[:2])
                    if name_key
                    else []
                )
                self.customers[text] = self._customer_found(text, matches)
            else:
                self.customers[text] = found
        found_or_error = self.customers[text]
        if isinstance(found_or_error, RowError):
            raise found_or_error
        return found_or_error

    def prefetch_deals(self, texts: Iterable[str]) -> None:
        wanted = {text for text in texts if text and text not in self.deals}
        if wanted:
            for deal in Deal.objects.filter(external_id__in=wanted):
                self.deals[deal.external_id] = deal
            for text in wanted:
                self.deals.setdefault(text, None)

    def deal(self, text: str) -> Deal:
        found = self.deals[text] if text in self.deals else Deal.objects.filter(external_id=text).first()
        if found is None:
            raise RowError(_("No deal with the external id “%(value)s”.") % {"value": text})
        return found


# --- Rows ------------------------------------------------------------------------------------------------


def _aware(day: datetime.date, time: datetime.time | None) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time or datetime.time(9, 0)))


@functools.cache
def _choice_labels(choices: Any) -> dict[str, str]:
    """Folded value and ja / en label -> value, for a choices class (made once: rows repeat them)."""
    labels: dict[str, str] = {}
    for choice in choices:
        labels.setdefault(fold(choice.value), str(choice.value))
        for language in ("ja", "en"):
            with override(language):
                labels.setdefault(fold(str(choice.label)), str(choice.value))
    return labels


def _choice(value: str, choices: Any) -> str:
    found = _choice_labels(choices).get(fold(value))
    if found is None:
        raise RowError(_("“%(value)s” is not one of the choices.") % {"value": value})
    return found


def _changes(instance: Any, fields: dict[str, Any]) -> dict[str, Any]:
    changes = {}
    for name, value in fields.items():
        current = getattr(instance, name)
        if hasattr(current, "pk") or hasattr(value, "pk"):
            if getattr(current, "pk", None) != getattr(value, "pk", None):
                changes[name] = value
        elif current != value:
            changes[name] = value
    return changes


class Importer:
    def __init__(self, *, actor: User, options: Options) -> None:
        self.actor = actor
        self.options = options
        self.resolve = Resolver(actor, options)
        self.seen: dict[str, int] = {}

    # each returns (status, key)
    def row(self, line: int, values: dict[str, Any], columns: dict[str, str]) -> tuple[str, str]:
        return getattr(self, self.options.kind)(self.clean(line, values, columns))

    def clean(self, line: int, values: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
        """A row's non-empty cells by field, value mappings applied; refuses formulas, an empty required
        field and an external id already on an earlier line."""
        cleaned: dict[str, Any] = {}
        for name, raw in values.items():
            text = raw if not isinstance(raw, str) else raw.strip()
            if isinstance(text, str) and text[:2] in {"'=", "'+", "'-", "'@"}:
                text = text[1:]  # a cell neutralised by an export
            if isinstance(text, str) and text.startswith("=") and len(text) > 1:
                raise RowError(
                    _("The %(field)s cell holds a formula (%(value)s); import values, not formulas.")
                    % {"field": name, "value": text[:40]}
                )
            if text is None or text == "":
                continue
            if name in REFERENCE_FIELDS and isinstance(text, str):
                text = self.resolve.mapped(columns[name], text)
            cleaned[name] = text
        for name in REQUIRED[self.options.kind]:
            if name not in cleaned:
                raise RowError(_("The %(field)s is empty.") % {"field": name})
        external_id = cell_text(cleaned.get("external_id", ""))
        if external_id:
            if external_id in self.seen:
                raise RowError(
                    _("The external id “%(value)s” is also on line %(line)s of this file.")
                    % {"value": external_id, "line": self.seen[external_id]}
                )
            self.seen[external_id] = line
            cleaned["external_id"] = external_id
        return cleaned

    def _owner(self, cleaned: dict[str, Any]) -> User:
        if "owner" in cleaned:
            return self.resolve.owner(cell_text(cleaned["owner"]))
        return self.options.default_owner or self.actor

    def customers(self, cleaned: dict[str, Any]) -> tuple[str, str]:
        owner, fields, key = self.customer_fields(cleaned)
        existing = (
            Customer.objects.filter(external_id=fields["external_id"]).first()
            if fields.get("external_id")
            else None
        )
        if existing is None:
            customer_create(actor=self.actor, owner=owner, **fields)
            return CREATE, key
        changes = self._customer_changes(existing, cleaned, owner, fields)
        if not changes:
            return UNCHANGED, key
        customer_update(actor=self.actor, customer=existing, **changes)
        return UPDATE, key

    def _customer_changes(
        self, existing: Customer, cleaned: dict[str, Any], owner: User, fields: dict[str, Any]
    ) -> dict[str, Any]:
        if "owner" in cleaned:
            fields["owner"] = owner
        return _changes(existing, fields)

    def _customer_update(self, existing: Customer, changes: dict[str, Any]) -> str:
        customer_update(actor=self.actor, customer=existing, **changes)
        return UPDATE

    def customer_fields(self, cleaned: dict[str, Any]) -> tuple[User, dict[str, Any], str]:
        """The owner, the fields and the report key of a customer row."""
        owner = self._owner(cleaned)
        fields: dict[str, Any] = {}
        for name in (
            "name",
            "name_kana",
            "postal_code",
            "address",
            "phone",
            "website",
            "notes",
            "external_id",
        ):
            if name in cleaned:
                fields[name] = cell_text(cleaned[name])
        if "segment" in cleaned:
            fields["segment"] = self.resolve.segment(cell_text(cleaned["segment"]))
        if "is_key" in cleaned:
            fields["is_key"] = parse_bool(cleaned["is_key"])
        if "cadence_days" in cleaned:
            fields["cadence_days"] = parse_int(cleaned["cadence_days"])
        if "status" in cleaned:
            fields["status"] = _choice(cell_text(cleaned["status"]), Customer.Status)
        return owner, fields, fields.get("external_id") or fields["name"]

    def contacts(self, cleaned: dict[str, Any]) -> tuple[str, str]:
        customer = self.resolve.customer(cell_text(cleaned["customer"]))
        fields: dict[str, Any] = {}
        for name in ("name", "name_kana", "department", "title", "email", "phone", "notes"):
            if name in cleaned:
                fields[name] = cell_text(cleaned[name])
        if "is_decision_maker" in cleaned:
            fields["is_decision_maker"] = parse_bool(cleaned["is_decision_maker"])
        others = Contact.objects.filter(customer=customer)
        if fields.get("email"):
            existing = others.filter(email__iexact=fields["email"]).first()
        else:
            existing = others.filter(name=fields["name"]).first()
        key = f"{customer.name} / {fields['name']}"
        if existing is None:
            contact_create(actor=self.actor, customer=customer, **fields)
            return CREATE, key
        changes = _changes(existing, fields)
        if not changes:
            return UNCHANGED, key
        contact_update(actor=self.actor, contact=existing, **changes)
        return UPDATE, key

    def deals(self, cleaned: dict[str, Any]) -> tuple[str, str]:
        order = self.options.date_order
        customer = self.resolve.customer(cell_text(cleaned["customer"]))
        fields: dict[str, Any] = {"customer": customer, "title": cell_text(cleaned["title"])}
        for name in ("next_step", "notes", "external_id"):
            if name in cleaned:
                fields[name] = cell_text(cleaned[name])
        if "amount" in cleaned:
            fields["amount"] = parse_amount(cleaned["amount"])
        if "expected_close_date" in cleaned:
            fields["expected_close_date"] = parse_date(cleaned["expected_close_date"], order=order)
        stage = self.resolve.stage(cell_text(cleaned["stage"])) if "stage" in cleaned else None
        opened_on = parse_date(cleaned["opened_on"], order=order) if "opened_on" in cleaned else None
        closed_on = parse_date(cleaned["closed_on"], order=order) if "closed_on" in cleaned else None
        loss_reason = (
            self.resolve.loss_reason(cell_text(cleaned["loss_reason"])) if "loss_reason" in cleaned else None
        )
        loss_note = cell_text(cleaned.get("loss_note", ""))
        if stage is not None and stage.kind == Stage.Kind.OPEN:
            closed_on = None  # an open deal has no close date (a CRM export often fills it anyway)
        elif stage is not None and closed_on is None:
            raise RowError(_("A won or lost deal needs its close date (closed_on)."))
        if opened_on and closed_on and closed_on < opened_on:
            raise RowError(_("The close date is before the start date."))
        owner = self._owner(cleaned)
        key = fields.get("external_id") or fields["title"]
        existing = (
            Deal.objects.filter(external_id=fields["external_id"]).first()
            if fields.get("external_id")
            else None
        )
        if existing is None:
            first = default_stage()
            deal = deal_create(actor=self.actor, owner=owner, stage=first, **fields)
            if opened_on is not None:
                # The history starts when the deal started in the other system: the first stage at
                # opened_on, so cycle times and the funnel read the imported history.
                start = _aware(opened_on, datetime.time.min)
                Deal.objects.filter(pk=deal.pk).update(created_at=start, stage_entered_at=start)
                StageChange.objects.filter(deal=deal).update(changed_at=start)
                deal.refresh_from_db()
            if stage is not None and stage.pk != first.pk:
                deal_change_stage(
                    actor=self.actor,
                    deal=deal,
                    stage=stage,
                    loss_reason=loss_reason,
                    loss_note=loss_note or None,
                    closed_on=closed_on,
                    imported=True,
                )
            return CREATE, key
        if "owner" in cleaned:
            fields["owner"] = owner
        changes = _changes(existing, fields)
        stage_moves = stage is not None and stage.pk != existing.stage_id
        if not changes and not stage_moves:
            return UNCHANGED, key
        if changes:
            deal_update(actor=self.actor, deal=existing, **changes)
        if stage_moves:
            assert stage is not None
            deal_change_stage(
                actor=self.actor,
                deal=existing,
                stage=stage,
                loss_reason=loss_reason,
                loss_note=loss_note or None,
                closed_on=closed_on,
                imported=True,
            )
        return UPDATE, key

    def activities(self, cleaned: dict[str, Any]) -> tuple[str, str]:
        owner, status, fields, key = self.activity_fields(cleaned)
        existing = (
            Activity.objects.filter(external_id=fields["external_id"]).first()
            if fields.get("external_id")
            else None
        )
        if existing is None:
            activity_create(actor=self.actor, owner=owner, status=status, **fields)
            return CREATE, key
        changes = self._activity_changes(existing, cleaned, owner, fields)
        if not changes:
            return UNCHANGED, key
        activity_update(actor=self.actor, activity=existing, **changes)
        return UPDATE, key

    def _activity_changes(
        self, existing: Activity, cleaned: dict[str, Any], owner: User, fields: dict[str, Any]
    ) -> dict[str, Any]:
        if "owner" in cleaned:
            fields["owner"] = owner
        return _changes(existing, fields)

    def _activity_update(self, existing: Activity, changes: dict[str, Any]) -> str:
        activity_update(actor=self.actor, activity=existing, **changes)
        return UPDATE

    def activity_fields(self, cleaned: dict[str, Any]) -> tuple[User, str, dict[str, Any], str]:
        """The owner, the status, the fields and the report key of an activity row."""
        order = self.options.date_order
        customer = self.resolve.customer(cell_text(cleaned["customer"]))
        deal = self.resolve.deal(cell_text(cleaned["deal"])) if "deal" in cleaned else None
        day, time = parse_datetime(cleaned["starts_at"], order=order)
        starts_at = _aware(day, time)
        if "ends_at" in cleaned:
            end_day, end_time = parse_datetime(cleaned["ends_at"], order=order)
            ends_at = _aware(end_day, end_time)
        else:
            ends_at = starts_at + datetime.timedelta(hours=1)
        if ends_at < starts_at:
            raise RowError(_("The activity ends before it starts."))
        fields: dict[str, Any] = {
            "type": self.resolve.activity_type(cell_text(cleaned["type"])),
            "customer": customer,
            "deal": deal,
            "starts_at": starts_at,
            "ends_at": ends_at,
        }
        for name in ("subject", "purpose", "notes", "next_step", "external_id"):
            if name in cleaned:
                fields[name] = cell_text(cleaned[name])
        if "status" in cleaned:
            status = _choice(cell_text(cleaned["status"]), Activity.Status)
        else:
            status = Activity.Status.DONE if starts_at <= timezone.now() else Activity.Status.PLANNED
        if status == Activity.Status.CANCELLED:
            raise RowError(_("A cancelled activity is not imported."))
        owner = self._owner(cleaned)
        return owner, status, fields, fields.get("external_id") or f"{customer.name} {day.isoformat()}"

    # --- Batches: the kinds with a batch service (``BATCHED``) write a batch's new records at once ---

    def customers_batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[RowResult]:
        results: list[RowResult] = []
        prepared = []
        for line, cleaned in rows:
            try:
                prepared.append((line, cleaned, *self.customer_fields(cleaned)))
            except ROW_ERRORS as error:
                results.append(_failure(line, error))
        external_ids = [fields["external_id"] for *_x, fields, _k in prepared if fields.get("external_id")]
        existing = {
            customer.external_id: customer
            for customer in (
                Customer.objects.filter(external_id__in=external_ids).select_related("owner", "segment")
                if external_ids
                else []
            )
        }
        creates: list[tuple[int, str, dict[str, Any]]] = []
        for line, cleaned, owner, fields, key in prepared:
            found = existing.get(fields.get("external_id") or "")
            if found is None:
                creates.append((line, key, {"owner": owner, **fields}))
                continue
            changes = self._customer_changes(found, cleaned, owner, fields)
            if not changes:
                results.append(RowResult(line, UNCHANGED, str(key)))
                continue
            results.append(self._guarded(line, key, self._customer_update, found, changes))
        made = customers_create_many(actor=self.actor, rows=[row for _line, _key, row in creates])
        for (line, key, _row), outcome in zip(creates, made, strict=True):
            results.append(
                _failure(line, outcome) if isinstance(outcome, Exception) else RowResult(line, CREATE, key)
            )
        return results

    def activities_batch(self, rows: list[tuple[int, dict[str, Any]]]) -> list[RowResult]:
        self.resolve.prefetch_customers(cell_text(cleaned["customer"]) for _line, cleaned in rows)
        self.resolve.prefetch_deals(
            cell_text(cleaned["deal"]) for _line, cleaned in rows if "deal" in cleaned
        )
        results: list[RowResult] = []
        prepared = []
        for line, cleaned in rows:
            try:
                prepared.append((line, cleaned, *self.activity_fields(cleaned)))
            except ROW_ERRORS as error:
                results.append(_failure(line, error))
        external_ids = [fields["external_id"] for *_x, fields, _k in prepared if fields.get("external_id")]
        existing = {
            activity.external_id: activity
            for activity in (
                Activity.objects.filter(external_id__in=external_ids).select_related(
                    "owner", "type", "customer", "deal"
                )
                if external_ids
                else []
            )
        }
        creates: list[tuple[int, str, dict[str, Any]]] = []
        for line, cleaned, owner, status, fields, key in prepared:
            found = existing.get(fields.get("external_id") or "")
            if found is None:
                creates.append((line, key, {"owner": owner, "status": status, **fields}))
                continue
            changes = self._activity_changes(found, cleaned, owner, fields)
            if not changes:
                results.append(RowResult(line, UNCHANGED, str(key)))
                continue
            results.append(self._guarded(line, key, self._activity_update, found, changes))
        made = activities_create_many(actor=self.actor, rows=[row for _line, _key, row in creates])
        for (line, key, _row), outcome in zip(creates, made, strict=True):
            results.append(
                _failure(line, outcome) if isinstance(outcome, Exception) else RowResult(line, CREATE, key)
            )
        return results

    def _guarded(self, line: int, key: str, write: Callable[..., str], *args: Any) -> RowResult:
        """One row's write in its own savepoint: a failure is the row's, the batch goes on."""
        try:
            with transaction.atomic():
                return RowResult(line, write(*args), str(key))
        except ROW_ERRORS as error:
            return _failure(line, error)

    def users(self, cleaned: dict[str, Any]) -> tuple[str, str]:
        from totonou.imports.people import user_row  # the people kinds live in their own module

        return user_row(self, cleaned)

    def targets(self, cleaned: dict[str, Any]) -> tuple[str, str]:
        from totonou.imports.people import target_row

        return target_row(self, cleaned)


#: The kinds written a batch at a time, by the batch services; the others row by row.
BATCHED = {"customers": Importer.customers_batch, "activities": Importer.activities_batch}


# --- Running -----------------------------------------------------------------------------------------------


class _DryRun(Exception):
    pass


def prepare(
    stream: IO[bytes], filename: str, options: Options, *, require: bool = True
) -> tuple[Any, dict[str, str]]:
    """The table and the column -> field mapping; refuses a file without a required column."""
    if options.kind not in KINDS:
        raise FileRefused(_("Unknown kind “%(kind)s”.") % {"kind": options.kind})
    table = open_table(stream, filename)
    passwords = [header for header in table.headers if fold(header) in PASSWORD_HEADERS]
    if passwords:
        raise FileRefused(
            _(
                "The file has a password column (%(column)s): passwords are never imported. Remove the "
                "column; new users set their own password through a set-password link."
            )
            % {"column": passwords[0]}
        )
    mapping = guess_mapping(options.kind, table.headers)
    for column, name in options.mapping.items():
        if column not in table.headers:
            raise FileRefused(_("The file has no column “%(column)s”.") % {"column": column})
        if name not in ALIASES[options.kind]:
            raise FileRefused(_("“%(field)s” is not a field of this import.") % {"field": name})
        mapping = {c: f for c, f in mapping.items() if f != name and c != column}
        mapping[column] = name
    missing = [name for name in REQUIRED[options.kind] if name not in mapping.values()]
    if missing and require:
        raise FileRefused(
            _("A required column is missing: %(fields)s. Name the column or map it.")
            % {"fields": ", ".join(missing)}
        )
    return table, mapping


def run(
    *,
    actor: User,
    stream: IO[bytes],
    filename: str,
    options: Options,
    start_line: int = 0,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, Report], None] | None = None,
    report: Report | None = None,
    row_by_row: bool = False,
) -> Report:
    """Import ``stream``. Rows are committed in batches of ``batch_size``; ``on_batch(last_line, report)``
    runs inside each batch's transaction (a caller keeps its checkpoint there, and takes the batch's
    report rows with ``report.drain()``), and ``start_line`` skips the lines an earlier, interrupted run
    already committed (its ``report`` goes on). The kinds of ``BATCHED`` create a batch's new records
    through their batch service (``customers_create_many``, ``activities_create_many``); updates, and
    the other kinds (or every kind with ``row_by_row``), go row by row, each row in a savepoint. A dry run
    rolls everything back."""
    table, mapping = prepare(stream, filename, options)
    report = report or Report()
    report.columns, report.encoding = mapping, table.encoding
    importer = Importer(actor=actor, options=options)
    positions = {name: table.headers.index(column) for column, name in mapping.items()}
    columns = {name: column for column, name in mapping.items()}

    batched = None if row_by_row else BATCHED.get(options.kind)

    def process(lines: list[tuple[int, list[Any]]]) -> None:
        importer.resolve.forget_records()
        results: list[RowResult] = []
        cleaned_rows: list[tuple[int, dict[str, Any]]] = []
        for line, cells in lines:
            values = {name: cells[index] if index < len(cells) else None for name, index in positions.items()}
            if batched is not None:
                try:
                    cleaned_rows.append((line, importer.clean(line, values, columns)))
                except ROW_ERRORS as error:
                    results.append(_failure(line, error))
                continue
            try:
                with transaction.atomic():
                    status, key = importer.row(line, values, columns)
                results.append(RowResult(line, status, str(key)))
            except ROW_ERRORS as error:
                results.append(_failure(line, error))
        if batched is not None and cleaned_rows:
            results += batched(importer, cleaned_rows)
        for result in sorted(results, key=lambda result: result.line):
            report.add(result)
        if on_batch is not None and lines:
            on_batch(lines[-1][0], report)

    numbered = ((line, cells) for line, cells in enumerate(table.rows, start=2))

    def batches() -> Iterable[list[tuple[int, list[Any]]]]:
        batch: list[tuple[int, list[Any]]] = []
        for line, cells in numbered:
            if line <= start_line:
                _remember(importer, cells, positions, line)
                continue
            batch.append((line, cells))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    if options.dry_run:
        try:
            with transaction.atomic():
                for batch in batches():
                    process(batch)
                raise _DryRun
        except _DryRun:
            pass
        return report
    created_before = report.counts[CREATE]
    for batch in batches():
        with transaction.atomic():
            process(batch)
    if report.counts[CREATE] - created_before >= ANALYZE_AFTER_ROWS:
        database_analyze()
    return report


def _remember(importer: Importer, cells: list[Any], positions: dict[str, int], line: int) -> None:
    """A line done by an earlier run still counts for the duplicate-id check."""
    index = positions.get("external_id")
    if index is not None and index < len(cells):
        external_id = cell_text(cells[index])
        if external_id and external_id not in importer.seen:
            importer.seen[external_id] = line


# --- The mapping steps of the web flow --------------------------------------------------------------------


@dataclass
class Preview:
    headers: list[str]
    mapping: dict[str, str]
    rows: list[list[str]]  # the first rows, one cell per mapped field in ``fields`` order
    fields: list[str]
    unknown: dict[str, list[str]]  # column -> values of a reference column that match nothing
    encoding: str
    missing: list[str]  # required fields no column is mapped to


def preview(*, actor: User, stream: IO[bytes], filename: str, options: Options, size: int = 5) -> Preview:
    """The columns with their fields, the first ``size`` rows as they will be read, and the values of the
    reference columns (owner, segment, stage, loss reason, type) that match nothing (at most 50 a column)."""
    table, mapping = prepare(stream, filename, options, require=False)
    # In the file's column order: the saved mapping's own order is not kept (PostgreSQL's jsonb orders
    # an object's keys by length).
    positions = sorted(
        ((column, name, table.headers.index(column)) for column, name in mapping.items()), key=lambda p: p[2]
    )
    resolver = Resolver(actor, Options(kind=options.kind, values=options.values))
    lookups: dict[str, Callable[[str], Any]] = {
        "owner": resolver.owner,
        "segment": resolver.segment,
        "stage": resolver.stage,
        "loss_reason": resolver.loss_reason,
        "type": resolver.activity_type,
        "team": resolver.team,
        "user": resolver.owner,
    }
    unknown: dict[str, list[str]] = {}
    checked: set[tuple[str, str]] = set()
    rows: list[list[str]] = []
    for cells in table.rows:
        if len(rows) < size:
            rows.append([cell_text(cells[i]) if i < len(cells) else "" for _c, _n, i in positions])
        for column, name, index in positions:
            if name not in REFERENCE_FIELDS or index >= len(cells):
                continue
            value = cell_text(cells[index])
            if not value or (column, value) in checked:
                continue
            checked.add((column, value))
            try:
                lookups[name](resolver.mapped(column, value))
            except RowError:
                found = unknown.setdefault(column, [])
                if len(found) < 50:
                    found.append(value)
    return Preview(
        headers=table.headers,
        mapping=mapping,
        rows=rows,
        fields=[name for _c, name, _i in positions],
        unknown=unknown,
        encoding=table.encoding,
        missing=[name for name in REQUIRED[options.kind] if name not in mapping.values()],
    )
