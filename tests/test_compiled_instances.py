"""``core.compiled`` builds its rows' instances without ``Model.__init__`` (``_maker``): each instance
must be the one ``Model.from_db`` builds, for every model of the project, with every field loaded or a
few deferred; a model with a setter of its own or an ``__init__`` signal receiver goes through
``from_db`` itself."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.apps import apps
from django.db.models import Model
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from tests.factories import UserFactory
from totonou.core.compiled import CompiledList, _maker, _plain
from totonou.imports.models import Import
from totonou.users.models import Team, User


def _project_models() -> list[type[Model]]:
    return [model for model in apps.get_models() if model.__module__.startswith("totonou.")]


def _sample(field: object, index: int) -> object:
    """A value of the field's Python type, different for every field."""
    internal = field.get_internal_type()  # type: ignore[attr-defined]
    if internal in {"DateTimeField"}:
        return timezone.now() - datetime.timedelta(minutes=index)
    if internal == "DateField":
        return datetime.date(2026, 1, 1) + datetime.timedelta(days=index)
    if internal == "DecimalField":
        return decimal.Decimal(index)
    if internal in {"BooleanField"}:
        return index % 2 == 0
    if internal == "JSONField":
        return {"n": index}
    if internal in {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField"}:
        return f"value-{index}"
    return index + 1


def _state(instance: Model) -> dict[str, object]:
    fields = {key: value for key, value in instance.__dict__.items() if key != "_state"}
    return {"fields": fields, "db": instance._state.db, "adding": instance._state.adding}


PLAIN = [
    model for model in _project_models() if _plain(model, [f.attname for f in model._meta.concrete_fields])
]


def test_nearly_every_model_is_built_the_plain_way():
    not_plain = sorted(
        model.__name__ for model in _project_models() if model not in PLAIN and not model._meta.abstract
    )
    assert not_plain == ["Import"]  # its file field's descriptor has a setter
    assert len(PLAIN) >= 30


@pytest.mark.parametrize("model", PLAIN, ids=lambda model: model._meta.label)
@pytest.mark.parametrize("loaded", ["all", "some"])
def test_an_instance_is_what_from_db_builds(model, loaded):
    fields = list(model._meta.concrete_fields)
    if loaded == "some":  # the primary key and every other field: the rest deferred, as .only() leaves them
        fields = [field for index, field in enumerate(fields) if field.primary_key or index % 2 == 0]
    attnames = [field.attname for field in fields]
    values = [_sample(field, index) for index, field in enumerate(fields)]
    built = _maker(model, attnames, "default")(values)
    expected = model.from_db("default", attnames, values)
    assert type(built) is model
    assert _state(built) == _state(expected)
    assert set(built.get_deferred_fields()) == set(expected.get_deferred_fields())
    if loaded == "some":
        assert built.get_deferred_fields()  # something was deferred, and left out the same way


def test_a_file_field_goes_through_from_db():
    attnames = [field.attname for field in Import._meta.concrete_fields]
    assert not _plain(Import, attnames)
    values = [_sample(field, index) for index, field in enumerate(Import._meta.concrete_fields)]
    built = _maker(Import, attnames, "default")(values)
    assert built.file.name == "value-" + str(attnames.index("file"))  # FileDescriptor made it a FieldFile
    assert type(built.__dict__["file"]).__name__ == "FieldFile"


def test_an_init_receiver_sends_the_instance_through_from_db():
    attnames = [field.attname for field in Team._meta.concrete_fields]
    values = [_sample(field, index) for index, field in enumerate(Team._meta.concrete_fields)]
    make = _maker(Team, attnames, "default")
    seen: list[tuple[str, object]] = []

    def before(sender, **kwargs):
        seen.append(("pre", sender))

    def after(sender, instance, **kwargs):
        seen.append(("post", instance.name))

    pre_init.connect(before, sender=Team)
    post_init.connect(after, sender=Team)
    try:
        built = make(values)
    finally:
        pre_init.disconnect(before, sender=Team)
        post_init.disconnect(after, sender=Team)
    assert seen == [("pre", Team), ("post", built.name)]
    assert make(values).name == built.name and len(seen) == 2  # disconnected: no receiver called again


def test_a_model_with_its_own_init_or_from_db_is_not_plain():
    class OwnInit(Team):
        class Meta:
            proxy = True
            app_label = "users"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

    class OwnFromDb(Team):
        class Meta:
            proxy = True
            app_label = "users"

        @classmethod
        def from_db(cls, db, field_names, values):
            return super().from_db(db, field_names, values)

    attnames = [field.attname for field in Team._meta.concrete_fields]
    assert _plain(Team, attnames)
    assert not _plain(OwnInit, attnames)
    assert not _plain(OwnFromDb, attnames)


@pytest.mark.django_db
def test_select_related_rows_are_what_the_orm_reads():
    with_team = UserFactory(username="with_team", team=Team.objects.create(name="大阪営業部"))
    without = UserFactory(username="without_team")
    users = CompiledList(
        lambda count, *ids: (
            User.objects.filter(pk__in=ids)
            .select_related("team")
            .only("username", "team__name", "team__time_zone")
            .order_by("pk")
        )
    )
    got = users.list(2, with_team.pk, without.pk)
    expected = list(
        User.objects.filter(pk__in=[with_team.pk, without.pk])
        .select_related("team")
        .only("username", "team__name", "team__time_zone")
        .order_by("pk")
    )
    assert [_state(user) for user in got] == [_state(user) for user in expected]
    assert _state(got[0].team) == _state(expected[0].team)
    assert got[0].team.name == "大阪営業部"
    assert got[1].team is None
    assert got[0].get_deferred_fields() == expected[0].get_deferred_fields()
