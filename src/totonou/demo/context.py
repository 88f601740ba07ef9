"""What every seeding phase shares: the size, the words, the calendar, the writer, the ids."""

from __future__ import annotations

import colorsys
import datetime
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from faker import Faker

from totonou.demo.sizes import SeedSize
from totonou.demo.text import TextMaker
from totonou.demo.vocabulary import Vocabulary, get_vocabulary
from totonou.demo.workdays import Workdays
from totonou.demo.writer import BulkWriter
from totonou.users.colours import MEMBER_COLOURS, member_colour_problem

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")

#: How far before the activity window records (customers, users) may have been created, in working days.
HISTORY_DAYS = 250


class SeedRandom(random.Random):
    """``random.Random`` with cheaper ``choice`` and ``randrange``: one float instead of rejection
    sampling. The bias (under one part in 2**50) does not matter for made-up data; the speed does when
    millions of rows each take a dozen picks."""

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        if step != 1 or stop <= start:
            return super().randrange(start, stop, step)
        return start + int(self.random() * (stop - start))


@dataclass(frozen=True)
class Person:
    name: str
    kana: str
    first_name: str
    last_name: str
    #: how notes address the person: the family name in Japanese, the full name in English
    addressed: str
    email_local: str


class People:
    """Pools of names, addresses and phone numbers, made once with a seeded Faker.

    Faker per row is far too slow for the large set, so records pick from these pools.
    """

    def __init__(self, *, vocabulary: Vocabulary, seed: int, size: int = 2000) -> None:
        language = vocabulary.language
        faker = Faker("ja_JP" if language == "ja" else "en_US")
        faker.seed_instance(seed)
        self.language = language
        self.cities = vocabulary.address_cities
        self.persons = [self._person(faker) for _ in range(size)]
        self.addresses = [self._address(faker) for _ in range(max(50, size // 4))]
        self.family_names: list[tuple[str, str]] = []
        if language == "ja":
            self.family_names = [faker.last_name_pair()[:2] for _ in range(200)]
        else:
            self.family_names = [(faker.last_name(), "") for _ in range(200)]

    def _person(self, faker: Faker) -> Person:
        if self.language == "ja":
            last, last_kana, last_roman = faker.last_name_pair()
            first, first_kana, first_roman = faker.first_name_pair()
            return Person(
                name=f"{last} {first}",
                kana=f"{last_kana} {first_kana}",
                first_name=first,
                last_name=last,
                addressed=last,
                email_local=f"{first_roman}.{last_roman}".lower(),
            )
        first, last = faker.first_name(), faker.last_name()
        return Person(
            name=f"{first} {last}",
            kana="",
            first_name=first,
            last_name=last,
            addressed=f"{first} {last}",
            email_local=f"{first}.{last}".lower().replace("'", ""),
        )

    def _address(self, faker: Faker) -> tuple[str, str]:
        if self.cities:
            prefecture, city = faker.random_element(self.cities)
            block = f"{faker.random_int(1, 5)}-{faker.random_int(1, 30)}-{faker.random_int(1, 20)}"
            return faker.zipcode(), f"{prefecture}{city}{faker.town()}{block}"
        return faker.zipcode(), f"{faker.street_address()}, {faker.city()}, {faker.state_abbr()}"


def phone_number(rng: random.Random, vocabulary: Vocabulary) -> str:
    area = rng.choice(vocabulary.area_codes)
    if vocabulary.language == "en":
        return f"({area}) 555-{rng.randrange(10000):04d}"
    if len(area) == 2:
        return f"{area}-{rng.randrange(1000, 10000)}-{rng.randrange(10000):04d}"
    return f"{area}-{rng.randrange(100, 1000)}-{rng.randrange(10000):04d}"


def calendar_colors(count: int) -> list[str]:
    """``count`` distinct, readable member colours: the palette first (``users.colours``), then hues a
    golden angle apart, leaving out those a person could take for the key-customer amber."""
    colors = list(MEMBER_COLOURS[:count])
    index = 0
    while len(colors) < count:
        hue = (index * 0.381966) % 1.0
        lightness = 0.36 if index % 2 == 0 else 0.28
        index += 1
        red, green, blue = colorsys.hls_to_rgb(hue, lightness, 0.65)
        color = f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"
        if member_colour_problem(color) is None and color not in colors:
            colors.append(color)
    return colors


@dataclass
class SeedContext:
    size: SeedSize
    language: str
    seed: int
    today: datetime.date
    time_zone: str
    writer: BulkWriter
    next_id: dict[str, int]
    vocabulary: Vocabulary = field(init=False)
    workdays: Workdays = field(init=False)
    people: People = field(init=False)

    def __post_init__(self) -> None:
        self.vocabulary = get_vocabulary(self.language)
        self.workdays = Workdays(
            today=self.today,
            time_zone=self.time_zone,
            first=-(self.size.past_days + HISTORY_DAYS),
            last=self.size.future_days + 5,
        )
        self.people = People(vocabulary=self.vocabulary, seed=self.seed)

    def rng(self, phase: str) -> random.Random:
        """An independent, reproducible random stream per phase (changing one phase leaves the others)."""
        return SeedRandom(f"{self.seed}/{self.size.name}/{self.language}/{phase}")

    def text(self, rng: random.Random) -> TextMaker:
        other = get_vocabulary("en" if self.language == "ja" else "ja")
        return TextMaker(rng, self.vocabulary, other, self.size.other_language_share)

    def ids(self, model: type[models.Model], count: int) -> range:
        """Reserve ``count`` primary keys for ``model``."""
        label = model._meta.label
        first = self.next_id[label]
        self.next_id[label] = first + count
        return range(first, first + count)

    def take_id(self, model: type[models.Model]) -> int:
        return self.ids(model, 1).start

    def insert(self, model: type[models.Model], columns: tuple[str, ...], rows: Any) -> int:
        return self.writer.insert(model, columns, rows)
