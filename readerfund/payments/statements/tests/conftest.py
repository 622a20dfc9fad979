from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def operator(client):
    user = get_user_model().objects.create_superuser("operator", "op@newsroom.example", "pw")
    client.force_login(user)
    return client
