from __future__ import annotations

import pytest

from readerfund.core.models import Newsroom
from readerfund.demo.services import newsroom_demo_seed

pytestmark = pytest.mark.django_db


def test_the_demo_checkout_wears_the_far_shore_s_face(client):
    # when the demo is set up
    newsroom_demo_seed()

    # then its checkout names The Far Shore, in each language, in its red
    page = client.get("/give/").content.decode()
    assert "The Far Shore" in page and "/newsroom/theme.css" in page
    assert "Дальний берег" in client.get("/give/?lang=ru").content.decode()  # noqa: RUF001
    assert Newsroom.objects.get().accent == "#a4161a"


def test_the_demo_keeps_a_face_the_operator_set(client):
    Newsroom.objects.create(name="Harbour Post")
    newsroom_demo_seed()
    assert Newsroom.objects.get().name == "Harbour Post"
