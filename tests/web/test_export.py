"""The leads CSV export streams rows from an iterator and applies the list's filters."""

import csv
import io

from django.http import StreamingHttpResponse


def _rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_export_streams_every_lead_with_a_header(client_as, world):
    response = client_as("viewer").get("/leads/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][:3] == ["id", "lead_id", "status"]
    assert sorted(r[1] for r in rows[1:]) == ["LD-1", "LD-2"]
    assert rows[1][-1].endswith("Z")


def test_export_applies_the_filters(client_as, world):
    rows = _rows(client_as("viewer").get("/leads/export.csv?q=LD-2"))
    assert [r[1] for r in rows[1:]] == ["LD-2"]
    rows = _rows(client_as("viewer").get("/leads/export.csv?rep=rep_london"))
    assert "LD-1" in [r[1] for r in rows[1:]]
    assert {r[5] for r in rows[1:]} == {"rep_london"}


def test_export_of_another_organization_has_only_the_header(client_as, world, world_b):
    rows = _rows(client_as("b_admin").get("/leads/export.csv"))
    assert [r[1] for r in rows[1:]] == ["LB-1"]


def test_lead_list_filters_and_paginates(client_as, world, route):
    for n in range(30):
        route("emea", {"country": "UK"}, lead_id=f"BULK-{n:02d}")
    client = client_as("viewer")
    first = client.get("/leads/").content.decode()
    assert "Page 1 of 2" in first
    assert "BULK-29" in first and "LD-1<" not in first
    second = client.get("/leads/?page=2").content.decode()
    assert "LD-1<" in second
    filtered = client.get("/leads/?status=ASSIGNED&q=BULK-0").content.decode()
    assert "BULK-05" in filtered and "BULK-15" not in filtered
