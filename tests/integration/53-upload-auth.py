#!/usr/bin/env python3
"""53-upload-auth.py — every auth mode of [upload] against fakemuni: static
bearer token, mutual TLS, OAuth2 client credentials (tokens that expire and a
token revoked early: refreshed), OAuth2 JWT-bearer with an RSA key (RS256) and
with an EC key (ES256) combined with mutual TLS.  Wrong credentials raise an
alarm in /healthz; a config that lacks a key stops stempeld with a message
naming it.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiosklib  # noqa: E402
import munilib  # noqa: E402
from kiosklib import ok  # noqa: E402

UIDS = iter(munilib.random_uids(200, seed=53))


def delivered(kiosk, muni, n=1, timeout=15):
    """Tap n new cards; True once the receiver holds every event of the kiosk."""
    before = kiosk.db("SELECT count(*) FROM outbox")[0][0]
    for _ in range(n):
        kiosk.tap(next(UIDS))
    # the reader answers before the tap is committed: wait for the outbox rows first
    munilib.wait_for(lambda: kiosk.db("SELECT count(*) FROM outbox")[0][0] == before + n, 10)
    want = {r[0] for r in kiosk.db("SELECT id FROM outbox")}
    return len(want) == before + n and munilib.wait_for(
        lambda: want <= set(muni.event_ids()), timeout, 0.1)


def alarm(kiosk, name, timeout=15):
    return munilib.wait_for(lambda: any(
        a["name"] == name for a in munilib.upload_check(kiosk).get("alarms", [])), timeout, 0.2)


def case(s, fn, muni_auth="none", muni_extra=(), client_ca=False, **upload):
    """A fresh receiver and kiosk for one check; both stopped after it."""
    muni = s.muni(auth=muni_auth, extra=muni_extra, client_ca=client_ca).start()
    if upload.get("token_url") == "TOKEN":
        upload["token_url"] = muni.url + "/oauth/token"
    kiosk = s.kiosk(munilib.upload_config(muni, **upload))
    try:
        fn(muni, kiosk)
    finally:
        kiosk.cleanup()
        muni.stop()


def bearer(muni, kiosk):
    ok(delivered(kiosk, muni), "bearer: events delivered with the static token")


def bearer_wrong(muni, kiosk):
    ok(alarm(kiosk, "auth_rejected") and not muni.event_ids(),
       "bearer: a wrong token raises auth_rejected in /healthz, nothing delivered",
       json.dumps(munilib.upload_check(kiosk)))


def mtls(muni, kiosk):
    ok(delivered(kiosk, muni) and muni.stats()["last_client_cn"] == "kiosk-it",
       "mtls: events delivered; the receiver saw the kiosk's client certificate",
       json.dumps(muni.stats()))


def mtls_missing(muni, kiosk):
    kiosk.tap(next(UIDS))
    err = munilib.wait_for(lambda: munilib.upload_check(kiosk).get("last_error"), 10)
    ok(err and not muni.event_ids(),
       "mtls: without a client certificate the handshake fails and nothing is delivered",
       err)


def oauth_client(muni, kiosk):
    ok(delivered(kiosk, muni), "oauth_client: events delivered with a client-credentials token")
    ok(muni.stats()["last_grant"] == "client_credentials", "oauth_client: grant client_credentials")
    issued = muni.stats()["tokens_issued"]
    time.sleep(3.2)  # tokens live 3 s: the cached one is refreshed before it expires
    ok(delivered(kiosk, muni) and muni.stats()["tokens_issued"] > issued,
       "oauth_client: an expiring token is refreshed (%d issued)" % muni.stats()["tokens_issued"])
    # Whichever request comes first after the revocation takes the 401: an events
    # batch, or a roster pull (a missing roster is retried with backoff, so pulls
    # come sooner than roster_interval_s).
    def n401():
        req = muni.stats()["requests"]
        return sum(req.get(e, {}).get("401", 0) for e in ("events", "roster"))
    r401, issued = n401(), muni.stats()["tokens_issued"]
    muni.ctl("/expire-tokens")  # revoked early: the receiver answers 401 once
    ok(delivered(kiosk, muni) and n401() > r401 and muni.stats()["tokens_issued"] > issued and
       not munilib.upload_check(kiosk).get("alarms"),
       "oauth_client: a revoked token gets 401, one refresh, delivery, no alarm",
       json.dumps(muni.stats()["requests"]))


def oauth_client_wrong(muni, kiosk):
    ok(alarm(kiosk, "token_refused") and not muni.event_ids() and
       "invalid_client" in json.dumps(munilib.upload_check(kiosk)),
       "oauth_client: a wrong secret raises token_refused with the endpoint's reason",
       json.dumps(munilib.upload_check(kiosk)))
    ok("Wr0ngS3cret-xyz" not in kiosk.logtext(),
       "oauth_client: the secret is not in the log")


def oauth_jwt_rsa(muni, kiosk):
    ok(delivered(kiosk, muni) and muni.stats()["jwt_ok"] >= 1,
       "oauth_jwt (RS256): the receiver verified the assertion and events went up",
       json.dumps(muni.stats()))
    ok(muni.stats()["last_grant"] == "urn:ietf:params:oauth:grant-type:jwt-bearer",
       "oauth_jwt: grant type jwt-bearer")
    roster = munilib.wait_for(lambda: muni.total("requests", "roster", "404"), 10)
    ok(roster, "oauth_jwt: the roster request carries the token too (answered, not 401)")


def mtls_oauth_jwt_ec(muni, kiosk):
    ok(delivered(kiosk, muni) and muni.stats()["jwt_ok"] >= 1 and
       muni.stats()["last_client_cn"] == "kiosk-it",
       "mtls+oauth_jwt (ES256): client certificate and EC-signed assertion both accepted",
       json.dumps(muni.stats()))
    # Stopped with a batch in flight: the transfer is dropped, its events stay pending,
    # and everything is freed (under ASan, LeakSanitizer reports at exit otherwise).
    muni.fault("slow", delay_ms=5000)
    kiosk.tap(next(UIDS))
    in_flight = munilib.wait_for(lambda: munilib.upload_check(kiosk).get("in_flight"), 10)
    rc = kiosk.stop()
    log = kiosk.logtext()
    ok(in_flight and rc == 0 and "Sanitizer" not in log and
       kiosk.db("SELECT count(*) FROM outbox_state WHERE state = 'pending'")[0][0] == 1,
       "SIGTERM with a batch in flight: clean stop, nothing leaked, the event still pending",
       "rc %s\n%s" % (rc, log[-1500:]))


def config_errors(s):
    muni = s.muni()
    for auth, extra, key in (
            ("oauth_jwt", {"token_url": "https://127.0.0.1:1/t", "client_id": "k"}, "jwt_key"),
            ("bearer", {}, "token"),
            ("mtls", {}, "client_cert"),
            ("kerberos", {}, "auth")):
        k = kiosklib.Kiosk(config_extra=munilib.upload_config(muni, auth=auth, **extra))
        try:
            r = subprocess.run([os.path.join(kiosklib.BIN, "stempeld"), "-c", k.conf],
                               capture_output=True, text=True, timeout=30)
            ok(r.returncode != 0 and "[upload] " + key in r.stderr,
               "config: auth = %s without its keys stops stempeld naming [upload] %s"
               % (auth, key), r.stderr[-500:])
        finally:
            k.cleanup()
    k = kiosklib.Kiosk(config_extra="[upload]\nbase_url = http://127.0.0.1:1\n")
    try:
        r = subprocess.run([os.path.join(kiosklib.BIN, "stempeld"), "-c", k.conf],
                           capture_output=True, text=True, timeout=30)
        ok(r.returncode != 0 and "[upload] base_url" in r.stderr,
           "config: a plain http:// base_url is refused", r.stderr[-300:])
    finally:
        k.cleanup()


def main():
    with munilib.Session("auth") as s:
        p = s.certs.path
        oauth = ["--client-id", "kiosk-it", "--client-secret", "s3cret"]
        case(s, bearer, muni_auth="bearer", muni_extra=["--token", "T0ken.abc"],
             auth="bearer", token="T0ken.abc")
        case(s, bearer_wrong, muni_auth="bearer", muni_extra=["--token", "right"],
             auth="bearer", token="wrong")
        case(s, mtls, client_ca=True, auth="mtls", client_cert=p("client.pem"),
             client_key=p("client.key"))
        case(s, mtls_missing, client_ca=True, auth="none")
        case(s, oauth_client, muni_auth="oauth", muni_extra=oauth + ["--token-lifetime", "3"],
             auth="oauth_client", token_url="TOKEN", client_id="kiosk-it", client_secret="s3cret",
             roster_interval_s=600)
        case(s, oauth_client_wrong, muni_auth="oauth", muni_extra=oauth, auth="oauth_client",
             token_url="TOKEN", client_id="kiosk-it", client_secret="Wr0ngS3cret-xyz")
        case(s, oauth_jwt_rsa, muni_auth="oauth",
             muni_extra=["--client-id", "kiosk-it", "--jwt-pubkey", p("jwt-rsa.pub"),
                         "--scope", "kommune:fravaer"],
             auth="oauth_jwt", token_url="TOKEN", client_id="kiosk-it", jwt_key=p("jwt-rsa.key"),
             scope="kommune:fravaer", jwt_kid="kiosk-it-2026")
        case(s, mtls_oauth_jwt_ec, muni_auth="oauth", client_ca=True,
             muni_extra=["--client-id", "kiosk-it", "--jwt-pubkey", p("jwt-ec.pub")],
             auth="mtls+oauth_jwt", token_url="TOKEN", client_id="kiosk-it",
             jwt_key=p("jwt-ec.key"), client_cert=p("client.pem"), client_key=p("client.key"))
        config_errors(s)
    kiosklib.done()


if __name__ == "__main__":
    main()
