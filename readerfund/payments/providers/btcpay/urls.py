from django.urls import path

from readerfund.payments.providers.btcpay import views

app_name = "btcpay"

urlpatterns = [
    path("test/<uuid:attempt>/", views.test_invoice, name="test_invoice"),
]
