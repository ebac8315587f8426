"""Attachments of interactions: size and type limits, content sniffing, download in scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Attachment, Interaction, Task
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DOCX = b"PK\x03\x04" + b"\x00" * 32
MSG = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


@pytest.fixture
def client_obj(manager):
    return ClientFactory(responsible=manager)


def post(as_user, user, client, files, **extra):
    data = {"kind": "email_in", "occurred_at": "2026-03-10T09:30", "importance": "normal", "attachments": files}
    data.update(extra)
    return as_user(user).post(reverse("crm:interaction_create", args=[client.pk]), data)


def test_several_files_are_stored_under_media(as_user, manager, client_obj, settings):
    files = [
        SimpleUploadedFile("offer.pdf", PDF),
        SimpleUploadedFile("photo.png", PNG),
        SimpleUploadedFile("contract.docx", DOCX),
        SimpleUploadedFile("letter.msg", MSG),
        SimpleUploadedFile("notes.txt", "Привет".encode()),
        SimpleUploadedFile("mail.eml", b"From: a@example.com\r\nSubject: hi\r\n\r\nbody"),
    ]
    assert post(as_user, manager, client_obj, files).status_code == 302
    attachments = Attachment.objects.order_by("pk")
    assert [a.name for a in attachments] == [
        "offer.pdf",
        "photo.png",
        "contract.docx",
        "letter.msg",
        "notes.txt",
        "mail.eml",
    ]
    assert attachments[0].content_type == "application/pdf"
    assert attachments[0].size == len(PDF)
    assert attachments[0].uploaded_by == manager
    path = attachments[0].file.path
    assert path.startswith(str(settings.MEDIA_ROOT))
    with open(path, "rb") as fh:
        assert fh.read() == PDF


def test_a_too_large_file_is_refused_and_nothing_is_saved(as_user, manager, client_obj, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    files = [SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile("big.pdf", PDF + b"x" * 200)]
    response = post(as_user, manager, client_obj, files, follow_up="on", follow_up_title="x", follow_up_in="1d")
    assert response.status_code == 400
    assert "big.pdf is too large" in response.content.decode()
    assert not Interaction.objects.exists()
    assert not Attachment.objects.exists()
    assert not Task.objects.exists()
    assert not (settings.MEDIA_ROOT / "attachments").exists()


def test_a_forbidden_extension_is_refused(as_user, manager, client_obj):
    response = post(as_user, manager, client_obj, [SimpleUploadedFile("setup.exe", EXE)])
    assert response.status_code == 400
    assert "setup.exe has a type that cannot be attached" in response.content.decode()
    assert not Interaction.objects.exists()


def test_content_that_does_not_match_the_extension_is_refused(as_user, manager, client_obj):
    response = post(as_user, manager, client_obj, [SimpleUploadedFile("invoice.pdf", EXE)])
    assert response.status_code == 400
    assert "does not match its extension .pdf" in response.content.decode()
    assert not Interaction.objects.exists()


def test_binary_content_named_txt_is_refused(as_user, manager, client_obj):
    response = post(as_user, manager, client_obj, [SimpleUploadedFile("readme.txt", EXE + b"\x00\x00")])
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_an_image_named_pdf_is_refused(as_user, manager, client_obj):
    response = post(as_user, manager, client_obj, [SimpleUploadedFile("scan.pdf", PNG)])
    assert response.status_code == 400


def test_the_file_name_in_the_error_is_escaped(as_user, manager, client_obj):
    response = post(as_user, manager, client_obj, [SimpleUploadedFile("<b>x</b>.exe", EXE)])
    body = response.content.decode()
    assert "<b>x</b>" not in body


@pytest.fixture
def attachment(as_user, manager, client_obj):
    post(as_user, manager, client_obj, [SimpleUploadedFile("offer.pdf", PDF)])
    return Attachment.objects.get()


def test_the_owner_downloads_an_attachment(as_user, manager, attachment):
    response = as_user(manager).get(reverse("crm:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="offer.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_the_head_downloads_and_colleague_outsider_get_404(as_user, head, colleague, outsider, engineer, attachment):
    assert as_user(head).get(reverse("crm:attachment_download", args=[attachment.pk])).status_code == 200
    for user in (colleague, outsider, engineer):
        assert as_user(user).get(reverse("crm:attachment_download", args=[attachment.pk])).status_code == 404
