"""``[contract]``: the API contract drill (schemathesis against the OpenAPI document)."""

from __future__ import annotations

from drillbook.config.model import Count, Flag, Positive, Routes, Section, Text, setting


class ContractSection(Section):
    """How many examples, for how long, from which document, and which operations to leave out."""

    max_examples: Count = setting(20, "20", "examples per operation and generation mode")
    max_seconds: Positive = setting(60.0, "60", "the whole contract run")
    openapi_path: Text = setting("/openapi.json", '"/openapi.json"', "where the target serves its OpenAPI document")
    negative_data: Flag = setting(True, "true", "also send what the schema forbids: 4xx expected, never 5xx")
    exclude: Routes = setting((), '["POST /api/admin/cache/clear"]', "operations never sent")
