from django.http import HttpRequest, HttpResponse


def feed(request: HttpRequest) -> HttpResponse:  # replaced by the web UI work
    return HttpResponse("feed")


def calendar(request: HttpRequest) -> HttpResponse:
    return HttpResponse("calendar")


def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"activity {pk}")
