"""``signed_in_user``: the signed-in ``User`` itself, read once from the authentication middleware's lazy
stand-in (each attribute read through the stand-in is a proxy call: a feed page reads the viewer's id,
role and managed members per item); nobody signed in is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from totonou.users.models import User
from totonou.users.request import signed_in_user

pytestmark = pytest.mark.django_db


def test_the_lazy_user_is_read_once_and_the_user_returned(world):
    reads = []

    def read() -> User:
        reads.append(1)
        return world.rep

    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(read)
    user = signed_in_user(request)
    assert type(user) is User and user is world.rep
    assert signed_in_user(request) is user and reads == [1]
    user._totonou_note = "kept"  # what a request caches on its user stays with the user it reads
    assert request.user._totonou_note == "kept"


def test_a_plain_user_is_returned_as_it_is(world):
    request = RequestFactory().get("/")
    request.user = world.manager
    assert signed_in_user(request) is world.manager


@pytest.mark.parametrize("lazy", [True, False])
def test_nobody_signed_in_is_refused(lazy):
    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(AnonymousUser) if lazy else AnonymousUser()
    with pytest.raises(PermissionDenied):
        signed_in_user(request)
