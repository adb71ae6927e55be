#!/usr/bin/env python3
"""56-contract.py — the contract holds: both OpenAPI files (uploader/openapi.yaml,
firmware/web/kiosk-api.yaml) lint with zero errors, their examples match their
schemas, and the validator that every other integration test runs over its
kiosk's outbox (kiosklib.check_contract) refuses what a strict receiver would
refuse.  The events themselves are checked at the end of every test that starts
a kiosk: `make check` validates every event the integration tests produce.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contract  # noqa: E402
import kiosklib  # noqa: E402
from kiosklib import ok  # noqa: E402

CARD = "hmac:" + "9f2c51e07a4b1d3e" * 4


def ev(type, data, **env):
    e = {"id": "0b6c3f0e-5d3a-4c1e-9a51-7a2f3c1d9e11", "seq": 7, "type": type,
         "at": "2026-11-23T07:58:12.345Z", "clock": "synced", "participant": "P-000123",
         "data": data}
    e.update(env)
    return e


GOOD = [
    ev("tap", {"direction": "in", "card": CARD, "outcome": "accepted_in"}),
    ev("tap_unknown_card", {"direction": "none", "card": CARD, "outcome": "unknown_card"},
       participant=None),
    ev("absence", {"absence": "a1", "participant": "P-000123", "category": "sick_doctor",
                   "from": "2026-11-02", "to": "2026-11-06", "start": None, "end": None}),
    ev("absence_revoked", {"absence": "a1", "participant": "P-000123", "reason": "typo"}),
    ev("correction", {"correction": "c1", "participant": "P-000123", "action": "add",
                      "date": "2026-11-02", "time": "08:30", "direction": "in"}),
    ev("day_result", {"participant": "P-000123", "date": "2026-11-02", "scheduled_min": 360}),
    ev("period_result", {"participant": "P-000123", "period_id": 3, "corrects_period": None}),
    ev("adjustment", {"participant": "P-000123", "period_id": 4, "kind": "adjustment",
                      "corrects_period": 3, "corrects_period_from": "2026-10-01",
                      "corrects_period_to": "2026-10-31", "corrects_date": "2026-10-14"}),
    ev("alarm", {"alarm": "roster_invalid", "message": "participants[0].id: expected a string"},
       participant=None),
    ev("card_enrolled", {"card": CARD, "participant": "P-000123", "who": "teacher1"}),
    ev("card_revoked", {"card": CARD, "participant": "P-000123", "who": "stempelctl:root",
                        "reason": "lost"}),
    ev("status", {"version": "0.1.0", "uptime_s": 10, "reader": {"ok": True},
                  "clock": {"quality": "synced", "wall": "2026-11-23T07:58:12Z"},
                  "database": {"ok": True, "size_bytes": 4096},
                  "backlog": {"pending": 1, "oldest_pending_age_s": 0}, "dead_letters": 0,
                  "disk_free_bytes": 1 << 30, "roster_etag": "\"abc\""}, participant=None),
]

BAD = [
    ("adjustment with corrects_period as an object",
     ev("adjustment", {"participant": "P-000123", "period_id": 4,
                       "corrects_period": {"id": 3, "from": "2026-10-01", "to": "2026-10-31"}})),
    ("a type the contract does not know", ev("teleport", {})),
    ("absence data under a tap type", ev("tap", GOOD[2]["data"])),
    ("a time that is not RFC 3339", ev("tap", GOOD[0]["data"], at="23.11.2026 07:58")),
    ("an id that is not a UUID", ev("tap", GOOD[0]["data"], id="42")),
    ("a card in clear", ev("tap", {"direction": "in", "card": "04A1B201", "outcome": "accepted_in"})),
    ("seq missing", {k: v for k, v in GOOD[0].items() if k != "seq"}),
    ("status without its backlog", ev("status", {k: v for k, v in GOOD[-1]["data"].items()
                                                 if k != "backlog"})),
]


def main():
    for path in (contract.UPLOAD_API, contract.KIOSK_API):
        errs = contract.lint(path)
        ok(not errs, "lint: %s has no errors" % os.path.relpath(path, contract.ROOT),
           "\n".join(errs))
    # The linter itself finds what it is for.
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
                "  /a/{x}:\n    get:\n      responses:\n        '200':\n"
                "          description: d\n          content:\n            application/json:\n"
                "              schema: {$ref: '#/components/schemas/Nope'}\n"
                "components:\n  schemas:\n    N:\n      type: [integer, 'null']\n"
                "      example: 1\n    S:\n      type: string\n      example: 5\n")
    errs = contract.lint(f.name)
    os.unlink(f.name)
    want = ("resolves to nothing", "{x} is not declared", "no type lists", "example does not match")
    ok(all(any(w in e for e in errs) for w in want),
       "lint finds a dangling $ref, an undeclared path parameter, a type list and a bad example",
       "\n".join(errs))
    types = contract.load(contract.UPLOAD_API)["components"]["schemas"]["EventEnvelope"][
        "properties"]["type"]["enum"]
    ok(sorted(types) == sorted(set(e["type"] for e in GOOD)),
       "every event type of the contract has a sample here (%d types)" % len(types))
    for e in GOOD:
        errs = contract.event_errors(e)
        ok(not errs, "a valid %s event matches exactly one branch of Event" % e["type"],
           "\n".join(errs))
    for what, e in BAD:
        ok(contract.event_errors(e), "refused: " + what)
    kiosklib.done()


if __name__ == "__main__":
    main()
