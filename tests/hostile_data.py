"""Hostile text as a CRM export could bring it: customers named `<script>alert(1)</script>`,
`'; DROP TABLE deals; --` and `<img src=x onerror=alert(1)>`, an owner and a campaign with quotes,
a lead source that reads like SQL. Each customer has one won deal in 2025 (with its stage
history), so they show up in the deal lists. Used by tests/test_hostile_input.py and the
browser test of the drill-down grid.
"""
from __future__ import annotations

import csv
from pathlib import Path

SCRIPT = "<script>alert(1)</script>"
DROP = "'; DROP TABLE deals; --"
OWNER_NAME = 'Seán O\'Brien "The Closer" <b>'
CAMPAIGN_NAME = 'Spring "Sale" \'n\' more; DROP TABLE campaigns; --'
IMG = "<img src=x onerror=alert(1)>"
CITY = '"><img src=x onerror=alert(1)>'
CHANNEL = "x' OR 1=1 --"


def _write(folder: Path, table: str, rows: list[dict]):
    with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def hostile_folder(folder: Path) -> Path:
    """CSV files (as a CRM export would bring them) with hostile text in the text fields."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "owners", [{"owner_id": "OWN-HX", "name": OWNER_NAME, "team": "A'Team", "region": "DACH"}])
    _write(folder, "customers", [
        {"customer_id": "CX-SCRIPT", "name": SCRIPT, "created_at": "2025-01-05", "region": "DACH", "country": "DE",
         "city": CITY, "industry": "Retail' OR '1'='1", "company_size": "1-10"},
        {"customer_id": "CX-DROP", "name": DROP, "created_at": "2025-01-06", "region": "DACH", "country": "DE",
         "city": "Köln", "industry": "Retail", "company_size": "1-10"},
        {"customer_id": "CX-IMG", "name": IMG, "created_at": "2025-01-07", "region": "DACH", "country": "DE",
         "city": "Bonn", "industry": "Retail", "company_size": "1-10"}])
    _write(folder, "campaigns", [{"campaign_id": "CMP-HX", "name": CAMPAIGN_NAME, "channel": "email",
                                  "started_at": "2025-01-01", "ended_at": "", "cost": "100.00"}])
    deal = dict(owner_id="OWN-HX", expected_close_at="", status="won", stage="Won", lost_reason="")
    _write(folder, "deals", [
        {"deal_id": "D-HX-1", "customer_id": "CX-SCRIPT", "campaign_id": "CMP-HX", "source_channel": "email",
         "amount": "1000.00", "created_at": "2025-05-01T10:00:00Z", "closed_at": "2025-05-20T10:00:00Z", **deal},
        {"deal_id": "D-HX-2", "customer_id": "CX-DROP", "campaign_id": "", "source_channel": CHANNEL,
         "amount": "2000.00", "created_at": "2025-06-01T10:00:00Z", "closed_at": "2025-06-20T10:00:00Z", **deal},
        {"deal_id": "D-HX-3", "customer_id": "CX-IMG", "campaign_id": "", "source_channel": "email",
         "amount": "3000.00", "created_at": "2025-07-01T10:00:00Z", "closed_at": "2025-07-20T10:00:00Z", **deal}])
    _write(folder, "deal_stage_history", [
        {"deal_id": d, "stage": s, "entered_at": t} for d, s, t in (
            ("D-HX-1", "Lead", "2025-05-01T10:00:00Z"), ("D-HX-1", "Won", "2025-05-20T10:00:00Z"),
            ("D-HX-2", "Lead", "2025-06-01T10:00:00Z"), ("D-HX-2", "Won", "2025-06-20T10:00:00Z"),
            ("D-HX-3", "Lead", "2025-07-01T10:00:00Z"), ("D-HX-3", "Won", "2025-07-20T10:00:00Z"))])
    return folder
