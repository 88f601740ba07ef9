"""``core.links.record_url``: a record's page without a reverse per record, equal to ``reverse`` for
every URL name the models use, under another script prefix (the app served below a path) too, and with
the URLconf a request sets."""

from __future__ import annotations

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix, set_urlconf

from totonou.core.links import record_url

NAMES = [
    "customers:customer_detail",
    "deals:deal_detail",
    "activities:activity_detail",
    "reports:report_detail",
    "deals:deal_stage",
    "activities:activity_reschedule",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 42, 987654320, 123456789012])
def test_equal_to_reverse(name, pk):
    assert record_url(name, pk) == reverse(name, args=[pk])


def test_under_another_script_prefix():
    expected = {name: reverse(name, args=[7]) for name in NAMES}
    set_script_prefix("/sfa/")
    try:
        for name in NAMES:
            assert record_url(name, 7) == f"/sfa{expected[name]}"
            assert record_url(name, 7) == reverse(name, args=[7])
    finally:
        clear_script_prefix()
        set_script_prefix("/")
    assert record_url("deals:deal_detail", 7) == expected["deals:deal_detail"]


def test_a_name_of_another_urlconf_is_not_found_in_it():
    from django.urls import NoReverseMatch

    set_urlconf("tests.web.urls_empty")
    try:
        with pytest.raises(NoReverseMatch):
            record_url("deals:deal_detail", 7)
    finally:
        set_urlconf(None)
    assert record_url("deals:deal_detail", 7) == reverse("deals:deal_detail", args=[7])


def test_the_models_use_it():
    from totonou.customers.models import Contact, Customer
    from totonou.deals.models import Deal

    assert Customer(pk=5).get_absolute_url() == reverse("customers:customer_detail", args=[5])
    assert Deal(pk=6).get_absolute_url() == reverse("deals:deal_detail", args=[6])
    assert (
        Contact(pk=3, customer_id=5).get_absolute_url()
        == reverse("customers:customer_detail", args=[5]) + "#contact-3"
    )
