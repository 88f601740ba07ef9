from django.http import HttpRequest, HttpResponse


def customer_list(request: HttpRequest) -> HttpResponse:  # replaced by the web UI work
    return HttpResponse("customers")


def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"customer {pk}")
