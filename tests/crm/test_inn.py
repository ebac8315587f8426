"""INN checksums (10 digits for organizations, 12 for individuals) and KPP format."""

import pytest
from django.core.exceptions import ValidationError

from crm.validators import is_valid_inn, validate_inn, validate_kpp


@pytest.mark.parametrize("inn", ["7707083893", "7728168971", "500100732259", "7830002293"])
def test_valid_inns_pass(inn):
    assert is_valid_inn(inn)
    validate_inn(inn)


@pytest.mark.parametrize(
    ("inn", "code"),
    [
        ("7707083894", "inn_checksum"),  # 10 digits, wrong check digit
        ("500100732258", "inn_checksum"),  # 12 digits, wrong last check digit
        ("500100732269", "inn_checksum"),  # 12 digits, wrong first check digit
        ("123456789", "inn_format"),  # 9 digits
        ("77070838931", "inn_format"),  # 11 digits
        ("77O7083893", "inn_format"),  # a letter
        ("0000000000", "inn_checksum"),
    ],
)
def test_invalid_inns_are_refused_with_a_clear_code(inn, code):
    with pytest.raises(ValidationError) as exc:
        validate_inn(inn)
    assert exc.value.code == code


def test_empty_inn_is_allowed():
    validate_inn("")


@pytest.mark.parametrize("kpp", ["770701001", "7707AB001"])
def test_valid_kpp(kpp):
    validate_kpp(kpp)


@pytest.mark.parametrize("kpp", ["77070100", "77070100A", "ABCD01001"])
def test_invalid_kpp(kpp):
    with pytest.raises(ValidationError):
        validate_kpp(kpp)


@pytest.mark.django_db
def test_client_form_shows_the_inn_error(as_user, manager):
    from django.urls import reverse

    from crm.models import Client

    response = as_user(manager).post(
        reverse("crm:client_create"),
        {
            "kind": "customer",
            "name": "Bad INN",
            "inn": "7707083894",
            "status": "active",
            "responsible": manager.pk,
            "points-TOTAL_FORMS": "0",
            "points-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "wrong check digit" in response.content.decode()
    assert not Client.objects.filter(name="Bad INN").exists()
