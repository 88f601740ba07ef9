"""A task the worker test enqueues (tasks must live in an importable module)."""

from django_tasks import task

from totonou.customers.models import Segment


@task()
def create_segment(name: str) -> int:
    return Segment.objects.create(name=name).pk
