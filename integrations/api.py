"""The push API: accounting sends invoices, payments and shipments as JSON.

`POST /api/v1/sales-documents` with `Authorization: Token <key>`; the body is one
document or a list. Payloads are validated with the same messages as the file
import and written through the same service, all or nothing.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.services.sales import SalesImportError, sales_documents_import
from integrations.models import ApiToken
from integrations.models.tokens import hash_token
from integrations.parsers.sales import PRODUCT_KINDS, PartyData, ProductData, SalesDocumentData, SalesLineData
from integrations.parsers.sales._common import amount_mismatch, amount_mismatch_reason
from integrations.parsers.sales.inn import is_valid_inn, is_valid_kpp

MAX_DOCUMENTS = 1000


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`) checked against the stored SHA-256."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        digest = hash_token(raw)
        token = ApiToken.objects.select_related("user", "user__region").filter(key_hash=digest).first()
        if token is None or not token.matches(raw) or not token.is_active or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describe the token header in the OpenAPI schema."""

    target_class = "integrations.api.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: a key issued by an administrator in the admin (API tokens).",
        }


class HasApiToken(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken) and request.user.is_admin


class PartySerializer(serializers.Serializer):
    inn = serializers.CharField(max_length=12)
    kpp = serializers.CharField(max_length=9, required=False, allow_blank=True)
    name = serializers.CharField(max_length=500)
    full_name = serializers.CharField(max_length=500, required=False, allow_blank=True)
    region = serializers.CharField(max_length=200, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=150, required=False, allow_blank=True)

    def validate_inn(self, value: str) -> str:
        value = value.strip()
        if not is_valid_inn(value):
            raise serializers.ValidationError(format_lazy(_("INN {inn} has an invalid checksum"), inn=value))
        return value

    def validate_kpp(self, value: str) -> str:
        value = value.strip()
        if value and not is_valid_kpp(value):
            raise serializers.ValidationError(format_lazy(_("“{value}” is not a KPP (9 characters)"), value=value))
        return value


class ProductSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=150, required=False, allow_blank=True)
    sku = serializers.CharField(max_length=100, required=False, allow_blank=True)
    name = serializers.CharField(max_length=500)
    kind = serializers.ChoiceField(choices=PRODUCT_KINDS, required=False, allow_null=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    equipment_type = serializers.CharField(max_length=200, required=False, allow_blank=True)
    manufacturer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    model = serializers.CharField(max_length=200, required=False, allow_blank=True)
    warranty_months = serializers.IntegerField(min_value=0, max_value=1200, required=False, allow_null=True)
    maintenance_interval_months = serializers.IntegerField(min_value=0, max_value=1200, required=False, allow_null=True)
    service_life_years = serializers.IntegerField(min_value=0, max_value=1200, required=False, allow_null=True)


class LineSerializer(serializers.Serializer):
    line_no = serializers.IntegerField(min_value=1, required=False)
    product = ProductSerializer(required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    price = serializers.DecimalField(max_digits=16, decimal_places=2)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    vat_amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    cost = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    serial_numbers = serializers.ListField(child=serializers.CharField(max_length=100), required=False)

    def validate(self, attrs):
        if amount_mismatch(attrs["quantity"], attrs["price"], attrs["amount"]):
            raise serializers.ValidationError(
                {"amount": amount_mismatch_reason(attrs["quantity"], attrs["price"], attrs["amount"])}
            )
        return attrs


class SalesDocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["invoice", "payment", "shipment"])
    external_id = serializers.CharField(max_length=150)
    version = serializers.CharField(max_length=100, required=False, allow_blank=True)
    number = serializers.CharField(max_length=100)
    date = serializers.DateField()
    posted = serializers.BooleanField(default=True)
    deleted = serializers.BooleanField(default=False)
    client = PartySerializer()
    manager = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    parent_external_id = serializers.CharField(max_length=150, required=False, allow_blank=True)
    lines = LineSerializer(many=True, allow_empty=True)

    def to_document(self, raw: dict) -> SalesDocumentData:
        data = self.validated_data
        lines = []
        for number, line in enumerate(data["lines"], start=1):
            product = line.get("product")
            sales_line = SalesLineData(
                line_no=line.get("line_no") or number,
                product=ProductData(
                    external_id=product.get("external_id") or None,
                    sku=product.get("sku") or None,
                    name=product["name"],
                    kind=product.get("kind"),
                    unit=product.get("unit") or None,
                    equipment_type_name=product.get("equipment_type") or None,
                    manufacturer=product.get("manufacturer") or None,
                    model=product.get("model") or None,
                    warranty_months=product.get("warranty_months"),
                    maintenance_interval_months=product.get("maintenance_interval_months"),
                    service_life_years=product.get("service_life_years"),
                )
                if product
                else ProductData(external_id=None, sku=None, name=""),
                quantity=line["quantity"],
                price=line["price"],
                amount=line["amount"],
                vat_amount=line.get("vat_amount"),
                serial_numbers=line.get("serial_numbers") or [],
                cost=line.get("cost"),
            )
            lines.append(sales_line)
        party = data["client"]
        document = SalesDocumentData(
            kind=data["kind"],
            external_id=data["external_id"],
            # Without a version from accounting, the payload itself stands for it.
            version=data.get("version")
            or hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:32],
            number=data["number"],
            date=data["date"],
            posted=data["posted"],
            deleted=data["deleted"],
            client=PartyData(
                external_id=party.get("external_id") or None,
                name=party["name"],
                full_name=party.get("full_name") or None,
                inn=party["inn"],
                kpp=party.get("kpp") or None,
                region=party.get("region") or None,
            ),
            manager=data.get("manager") or None,
            lines=lines,
            total=data.get("total") if data.get("total") is not None else sum((ln.amount for ln in lines), Decimal(0)),
            source_row=data["external_id"],
        )
        return _DocumentWithParent(document, data.get("parent_external_id") or None)


class _DocumentWithParent:
    def __init__(self, document: SalesDocumentData, parent_external_id: str | None):
        self._document = document
        self.parent_external_id = parent_external_id

    def __getattr__(self, name):
        return getattr(self._document, name)


class SalesDocumentsView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasApiToken]

    @extend_schema(
        request=SalesDocumentSerializer(many=True),
        responses={
            200: OpenApiResponse(description="Counts of created, updated and unchanged documents."),
            400: OpenApiResponse(description="Errors by document; nothing was written."),
        },
        summary="Create or update sales documents (one or a list), all or nothing.",
    )
    def post(self, request):
        payload = request.data
        items = payload if isinstance(payload, list) else [payload]
        if not items or len(items) > MAX_DOCUMENTS:
            return Response(
                {"errors": [{"index": None, "reason": str(_("Send from 1 to 1000 documents."))}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        documents, errors = [], []
        for index, item in enumerate(items):
            serializer = SalesDocumentSerializer(data=item)
            if not serializer.is_valid():
                errors.append({"index": index, "errors": serializer.errors})
                continue
            documents.append(serializer.to_document(item if isinstance(item, dict) else {}))
        if errors:
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        try:
            summary = sales_documents_import(documents=documents, by=request.user, source="api")
        except SalesImportError as exc:
            return Response(
                {"errors": [{"location": str(loc), "reason": str(reason)} for loc, reason in exc.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(summary.as_dict(), status=status.HTTP_200_OK)
