"""contract — the kiosk's events checked against uploader/openapi.yaml, and both
OpenAPI files linted, with Debian's python3-jsonschema and python3-yaml.

OpenAPI 3.0 schema objects are JSON Schema with a few changes; to_jsonschema()
turns them into plain JSON Schema (draft 7): `nullable: true` adds "null" to the
type (and to an enum), `example`, `discriminator` and the x- extensions go.
Formats date, date-time and uuid are checked here (jsonschema skips formats
whose checker packages are missing, which would make the check pass silently).

    import contract
    errs = contract.event_errors({"id": ..., "seq": 1, ...})   # [] when valid
    errs = contract.lint("uploader/openapi.yaml")              # [] when clean
"""
import datetime
import functools
import os
import re

import jsonschema
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
UPLOAD_API = os.path.join(ROOT, "uploader", "openapi.yaml")
KIOSK_API = os.path.join(ROOT, "firmware", "web", "kiosk-api.yaml")

OAS_ONLY = {"nullable", "example", "discriminator", "xml", "externalDocs", "deprecated",
            "readOnly", "writeOnly"}
# Every keyword an OpenAPI 3.0 Schema Object may carry (OAS 3.0.3 §4.7.24).
SCHEMA_KEYWORDS = {
    "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
    "maxProperties", "minProperties", "required", "enum", "type", "allOf", "oneOf", "anyOf",
    "not", "items", "properties", "additionalProperties", "description", "format", "default",
    "$ref"} | OAS_ONLY
TYPES = {"string", "number", "integer", "boolean", "array", "object"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def to_jsonschema(s):
    """An OpenAPI 3.0 schema object as a JSON Schema (draft 7) object."""
    if isinstance(s, list):
        return [to_jsonschema(x) for x in s]
    if not isinstance(s, dict):
        return s
    out = {}
    for k, v in s.items():
        if k in OAS_ONLY or k.startswith("x-"):
            continue
        if k == "properties":
            out[k] = {name: to_jsonschema(sub) for name, sub in v.items()}
        elif k in ("items", "not", "additionalProperties", "allOf", "oneOf", "anyOf"):
            out[k] = to_jsonschema(v)
        else:
            out[k] = v
    if s.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = list(out["enum"]) + [None]
        if "$ref" in out or "oneOf" in out or "allOf" in out:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _formats():
    fc = jsonschema.FormatChecker(formats=())

    @fc.checks("date", raises=ValueError)
    def _date(v):
        if not isinstance(v, str):
            return True
        datetime.date.fromisoformat(v)
        return len(v) == 10

    @fc.checks("date-time", raises=ValueError)
    def _dt(v):
        if not isinstance(v, str):
            return True
        if not DATE_TIME.match(v):
            raise ValueError("not an RFC 3339 date-time")
        datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return True

    @fc.checks("uuid")
    def _uuid(v):
        return not isinstance(v, str) or bool(UUID.match(v))
    return fc


@functools.lru_cache(maxsize=None)
def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


@functools.lru_cache(maxsize=None)
def validator(path, name):
    """A validator for components/schemas/<name> of the OpenAPI file at path."""
    doc = load(path)
    root = {"components": {"schemas": {k: to_jsonschema(v)
                                       for k, v in doc["components"]["schemas"].items()}}}
    root.update({"$ref": "#/components/schemas/" + name})
    jsonschema.Draft7Validator.check_schema(root)
    return jsonschema.Draft7Validator(root, format_checker=_formats())


def errors(path, name, instance):
    """Every way `instance` fails components/schemas/<name>, as "where: what" strings."""
    v = validator(path, name)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(event)", e.message)
            for e in sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))]


def event_errors(ev):
    """[] if ev matches exactly one branch of Event; else why, read against the
    branch its type names (clearer than "not valid under any of the given schemas")."""
    errs = errors(UPLOAD_API, "Event", ev)
    if not errs:
        return []
    mapping = load(UPLOAD_API)["components"]["schemas"]["Event"]["discriminator"]["mapping"]
    branch = mapping.get(ev.get("type")) if isinstance(ev, dict) else None
    if branch is None:
        return errs + ["type: %r is not an event type of the contract" % (
            ev.get("type") if isinstance(ev, dict) else None)]
    detail = errors(UPLOAD_API, branch.rsplit("/", 1)[1], ev)
    return detail or errs


def outbox_events(db_path):
    """The kiosk's outbox as it goes on the wire: each stored event with its seq."""
    import json
    import sqlite3
    c = sqlite3.connect(db_path, timeout=10)
    try:
        rows = c.execute("SELECT seq, json FROM outbox ORDER BY seq").fetchall()
    finally:
        c.close()
    out = []
    for seq, text in rows:
        ev = json.loads(text)
        ev["seq"] = seq
        out.append(ev)
    return out


def check_outbox(db_path):
    """(events checked, {type: count}, [first problems]) for a kiosk database."""
    evs = outbox_events(db_path)
    types, bad = {}, []
    for ev in evs:
        types[ev.get("type")] = types.get(ev.get("type"), 0) + 1
        errs = event_errors(ev)
        if errs and len(bad) < 10:
            bad.append("seq %s (%s): %s" % (ev.get("seq"), ev.get("type"), "; ".join(errs[:3])))
    return len(evs), types, bad


# --- lint: an OpenAPI 3.0 document checked for what tools and receivers rely on ---

def _resolve(doc, ref):
    if not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _lint_schema(doc, s, where, errs):
    if not isinstance(s, dict):
        errs.append("%s: expected a schema object" % where)
        return
    for k in s:
        if k not in SCHEMA_KEYWORDS and not k.startswith("x-"):
            errs.append("%s: %s is not a keyword of an OpenAPI 3.0 schema" % (where, k))
    if "$ref" in s:
        if _resolve(doc, s["$ref"]) is None:
            errs.append("%s: $ref %s resolves to nothing" % (where, s["$ref"]))
        return
    t = s.get("type")
    if t is not None and (not isinstance(t, str) or t not in TYPES):
        errs.append("%s: type %r is not one of %s (OpenAPI 3.0 has no type lists; use "
                    "nullable)" % (where, t, ", ".join(sorted(TYPES))))
    if t == "array" and "items" not in s:
        errs.append("%s: an array needs items" % where)
    if "nullable" in s and not isinstance(s["nullable"], bool):
        errs.append("%s: nullable: expected true or false" % where)
    if "pattern" in s:
        try:
            re.compile(s["pattern"])
        except re.error as e:
            errs.append("%s: pattern does not compile: %s" % (where, e))
    if "required" in s:
        props = s.get("properties", {})
        if not isinstance(s["required"], list) or not s["required"]:
            errs.append("%s: required: expected a non-empty list" % where)
        elif props and s.get("additionalProperties") is False:
            for r in s["required"]:
                if r not in props:
                    errs.append("%s: required %s is not a property" % (where, r))
    for k in ("allOf", "oneOf", "anyOf"):
        if k in s:
            if not isinstance(s[k], list) or not s[k]:
                errs.append("%s.%s: expected a non-empty list" % (where, k))
            else:
                for i, sub in enumerate(s[k]):
                    _lint_schema(doc, sub, "%s.%s[%d]" % (where, k, i), errs)
    for name, sub in (s.get("properties") or {}).items():
        _lint_schema(doc, sub, "%s.properties.%s" % (where, name), errs)
    for k in ("items", "not"):
        if k in s:
            _lint_schema(doc, s[k], "%s.%s" % (where, k), errs)
    if isinstance(s.get("additionalProperties"), dict):
        _lint_schema(doc, s["additionalProperties"], where + ".additionalProperties", errs)


def _check_example(doc, schema, example, where, errs):
    root = {"components": {"schemas": {k: to_jsonschema(v) for k, v in
                                       doc.get("components", {}).get("schemas", {}).items()}}}
    root.update(to_jsonschema(schema))
    v = jsonschema.Draft7Validator(root, format_checker=_formats())
    for e in v.iter_errors(example):
        errs.append("%s: the example does not match its schema: %s: %s"
                    % (where, "/".join(str(p) for p in e.absolute_path) or "(root)", e.message))


METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def lint(path):
    """Problems of the OpenAPI 3.0 file at path: [] when it is clean."""
    errs = []
    try:
        doc = load(path)
    except (OSError, yaml.YAMLError) as e:
        return ["%s: %s" % (path, e)]
    if not isinstance(doc, dict):
        return ["%s: expected a mapping" % path]
    if not re.match(r"^3\.0\.\d+$", str(doc.get("openapi", ""))):
        errs.append("openapi: expected 3.0.x, found %r" % doc.get("openapi"))
    info = doc.get("info") or {}
    for k in ("title", "version"):
        if not isinstance(info.get(k), str) or not info.get(k):
            errs.append("info.%s: expected a string" % k)
    for k in doc:
        if k not in ("openapi", "info", "servers", "paths", "components", "security", "tags",
                     "externalDocs") and not k.startswith("x-"):
            errs.append("%s: not a field of an OpenAPI 3.0 document" % k)
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    for i, req in enumerate(doc.get("security") or []):
        for name in req:
            if name not in schemes:
                errs.append("security[%d]: %s is not in components.securitySchemes" % (i, name))
    for name, sch in schemes.items():
        t = sch.get("type")
        if t not in ("apiKey", "http", "oauth2", "openIdConnect"):
            errs.append("securitySchemes.%s.type: %r is not an OpenAPI 3.0 type" % (name, t))
        if t == "http" and not sch.get("scheme"):
            errs.append("securitySchemes.%s: http needs scheme" % name)
        if t == "oauth2" and not sch.get("flows"):
            errs.append("securitySchemes.%s: oauth2 needs flows" % name)
        if t == "apiKey" and (sch.get("in") not in ("query", "header", "cookie") or
                              not sch.get("name")):
            errs.append("securitySchemes.%s: apiKey needs name and in" % name)
    for name, s in ((doc.get("components") or {}).get("schemas") or {}).items():
        if not re.match(r"^[a-zA-Z0-9._-]+$", name):
            errs.append("components.schemas.%s: name has characters OpenAPI does not allow" % name)
        _lint_schema(doc, s, "components.schemas." + name, errs)
        if isinstance(s, dict) and "example" in s:
            _check_example(doc, s, s["example"], "components.schemas." + name, errs)
    op_ids = set()
    paths = doc.get("paths")
    if not isinstance(paths, dict):
        errs.append("paths: expected a mapping")
        paths = {}
    for p, item in paths.items():
        if not p.startswith("/"):
            errs.append("paths.%s: expected to start with /" % p)
        templ = set(re.findall(r"{([^}]+)}", p))
        shared = item.get("parameters", []) if isinstance(item, dict) else []
        for m, op in (item or {}).items():
            if m == "parameters" or m in ("summary", "description", "servers") or m.startswith("x-"):
                continue
            where = "paths.%s.%s" % (p, m)
            if m not in METHODS:
                errs.append("%s: not an HTTP method" % where)
                continue
            oid = op.get("operationId")
            if oid:
                if oid in op_ids:
                    errs.append("%s: operationId %s used twice" % (where, oid))
                op_ids.add(oid)
            declared = set()
            for i, prm in enumerate(shared + op.get("parameters", [])):
                if "$ref" in prm:
                    prm = _resolve(doc, prm["$ref"])
                    if prm is None:
                        errs.append("%s.parameters[%d]: $ref resolves to nothing" % (where, i))
                        continue
                if prm.get("in") not in ("path", "query", "header", "cookie") or not prm.get("name"):
                    errs.append("%s.parameters[%d]: needs name and in" % (where, i))
                if prm.get("in") == "path":
                    declared.add(prm.get("name"))
                    if prm.get("required") is not True:
                        errs.append("%s.parameters[%d]: a path parameter must be required"
                                    % (where, i))
                if "schema" in prm:
                    _lint_schema(doc, prm["schema"], "%s.parameters[%d].schema" % (where, i), errs)
                elif "content" not in prm:
                    errs.append("%s.parameters[%d]: needs schema or content" % (where, i))
            for t in templ - declared:
                errs.append("%s: path parameter {%s} is not declared" % (where, t))
            for t in declared - templ:
                errs.append("%s: parameter %s is not in the path" % (where, t))
            resps = op.get("responses")
            if not isinstance(resps, dict) or not resps:
                errs.append("%s.responses: expected at least one response" % where)
                resps = {}
            bodies = []
            if "requestBody" in op:
                rb = op["requestBody"]
                if "$ref" in rb:
                    rb = _resolve(doc, rb["$ref"]) or {}
                bodies.append(("%s.requestBody" % where, rb))
            for code, r in resps.items():
                rw = "%s.responses.%s" % (where, code)
                if not re.match(r"^([1-5][0-9X]{2}|default)$", str(code)):
                    errs.append("%s: not a status code" % rw)
                if "$ref" in r:
                    target = _resolve(doc, r["$ref"])
                    if target is None:
                        errs.append("%s: $ref %s resolves to nothing" % (rw, r["$ref"]))
                        continue
                    r = target
                if not isinstance(r.get("description"), str):
                    errs.append("%s: description is required" % rw)
                bodies.append((rw, r))
            for bw, b in bodies:
                for ct, media in (b.get("content") or {}).items():
                    mw = "%s.content.%s" % (bw, ct)
                    if "schema" in media:
                        _lint_schema(doc, media["schema"], mw + ".schema", errs)
                        if "example" in media:
                            _check_example(doc, media["schema"], media["example"], mw, errs)
    return errs
