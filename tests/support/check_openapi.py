"""Validates an OpenAPI document with openapi-spec-validator (against the
OpenAPI 3.1 schema and its own rules: references resolve, path parameters
are declared, operation ids are unique) and prints, as JSON, its version
and every operation as [method, path]."""
import json
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

document, _ = read_from_filename(sys.argv[1])
validate(document)
methods = {"get", "put", "post", "delete", "patch", "head", "options"}
operations = sorted(
    [method.upper(), path]
    for path, item in document["paths"].items()
    for method in item
    if method in methods
)
print(json.dumps({"openapi": document["openapi"], "operations": operations}))
