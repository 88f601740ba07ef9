from django.http import HttpRequest, HttpResponse


def deal_list(request: HttpRequest) -> HttpResponse:  # replaced by the web UI work
    return HttpResponse("deals")


def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"deal {pk}")
