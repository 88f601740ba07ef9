import datetime

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory, activity_type
from totonou.activities.services import activity_complete, activity_create, activity_reschedule
from totonou.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db


def test_smoke(team_a):
    _, manager, (rep1, _rep2) = team_a
    customer = CustomerFactory(owner=rep1)
    start = timezone.now() + datetime.timedelta(days=1)
    a = activity_create(
        actor=rep1,
        type=activity_type(),
        customer=customer,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    a = activity_reschedule(actor=manager, activity=a, starts_at=start + datetime.timedelta(days=2))
    assert a.original_starts_at == start
    a = activity_complete(actor=rep1, activity=a, notes="ok")
    assert a.status == "done" and a.version == 3
    other = DealFactory()
    with pytest.raises(ValidationError) as e:
        activity_create(
            actor=rep1, type=activity_type(), customer=customer, deal=other, starts_at=start, ends_at=start
        )
    assert "deal" in e.value.message_dict
