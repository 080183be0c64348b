"""Validates an OpenAPI document with openapi-spec-validator (against the
OpenAPI 3.1 schema and its own rules: references resolve, path parameters
are declared, operation ids are unique) and prints, as JSON, its version,
every operation as [method, path], and the names of its webhooks.

With `--bodies FILE` (one JSON body per line, as Lyceum posted them to a
webhook endpoint), each body is also validated with jsonschema (JSON
Schema 2020-12, OpenAPI 3.1's dialect) against its event's schema in the
document's `webhooks`, references into `components` resolved by
`referencing`; the output then counts the bodies checked by type."""
import argparse
import json

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

parser = argparse.ArgumentParser()
parser.add_argument("document")
parser.add_argument("--bodies")
args = parser.parse_args()

document, _ = read_from_filename(args.document)
validate(document)
methods = {"get", "put", "post", "delete", "patch", "head", "options"}
operations = sorted(
    [method.upper(), path]
    for path, item in document["paths"].items()
    for method in item
    if method in methods
)
out = {"openapi": document["openapi"], "operations": operations,
       "webhooks": sorted(document.get("webhooks", {}))}

if args.bodies:
    base = "urn:lyceum:openapi"
    registry = Registry().with_resource(base, Resource.from_contents(document, default_specification=DRAFT202012))
    checked = {}
    with open(args.bodies) as lines:
        for line in lines:
            body = json.loads(line)
            kind = body["type"]
            if kind not in document.get("webhooks", {}):
                raise SystemExit(f"no webhook {kind!r} in the document")
            pointer = f"{base}#/webhooks/{kind}/post/requestBody/content/application~1json/schema"
            Draft202012Validator({"$ref": pointer}, registry=registry).validate(body)
            checked[kind] = checked.get(kind, 0) + 1
    out["bodies"] = checked

print(json.dumps(out))
