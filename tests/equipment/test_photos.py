"""Photos of a unit are sent through an access-checked view, never from /media/ directly."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from equipment.models import EquipmentPhoto
from tests.equipment.factories import EquipmentFactory
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def photo(manager, engineer):
    unit = EquipmentFactory(client=ClientFactory(responsible=manager), service_responsible=engineer)
    return EquipmentPhoto.objects.create(
        equipment=unit, image=SimpleUploadedFile("front.png", _png(), content_type="image/png")
    )


def test_it_sends_the_photo_to_whoever_sees_the_unit(as_user, photo, manager, head, admin_user, engineer):
    for user in (manager, head, admin_user, engineer):
        response = as_user(user).get(f"/equipment/photos/{photo.pk}/")
        assert response.status_code == 200, user.username
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline")
        assert b"".join(response.streaming_content) == _png()


def test_it_answers_404_out_of_scope(as_user, photo, colleague, outsider, region_b):
    other_engineer = UserFactory(role="engineer", region=region_b)
    for user in (colleague, outsider, other_engineer):
        assert as_user(user).get(f"/equipment/photos/{photo.pk}/").status_code == 404, user.username


def test_it_answers_404_for_an_unknown_photo_or_a_lost_file(as_user, photo, manager):
    http = as_user(manager)
    assert http.get(f"/equipment/photos/{photo.pk + 100}/").status_code == 404
    photo.image.storage.delete(photo.image.name)
    assert http.get(f"/equipment/photos/{photo.pk}/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, photo):
    response = client.get(f"/equipment/photos/{photo.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_card_shows_the_photos_through_the_view(as_user, photo, engineer):
    body = as_user(engineer).get(f"/equipment/{photo.equipment_id}/").content.decode()
    assert f'src="/equipment/photos/{photo.pk}/"' in body
    assert f'href="/equipment/photos/{photo.pk}/"' in body
    assert "/media/" not in body


def test_a_stored_file_of_another_type_is_only_downloaded(as_user, photo, manager):
    other = EquipmentPhoto.objects.create(
        equipment=photo.equipment, image=SimpleUploadedFile("drawing.svg", b"<svg></svg>", content_type="image/svg+xml")
    )
    response = as_user(manager).get(f"/equipment/photos/{other.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
