from django.urls import path

from totonou.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list_view, name="customer_list"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
]
