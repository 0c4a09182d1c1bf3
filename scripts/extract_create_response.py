#!/usr/bin/env python3
"""List the top-level members of the official `CreateResponse` schema (body of `POST responses`).

Usage: scripts/extract_create_response.py PATH/TO/openai-openapi.yaml [OUT]

Resolves `CreateResponse` (its `allOf` parts and every `$ref`) and writes a JSON array, sorted by
name, of `{"name": ..., "types": [...]}`: each property with the JSON types its value may take
(`[]` when the schema does not constrain the type). OUT defaults to
core/tests/data/create_response_properties.json, the file core/tests/create_response_spec.rs
reads; CI regenerates it into a temporary file and diffs the two, so the checked-in list cannot
drift from the spec. Needs PyYAML.
"""
import json
import os
import sys

import yaml

SCHEMA = "CreateResponse"
DEFAULT_OUT = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "core", "tests", "data",
    "create_response_properties.json"))

# The JSON types, as JSON Schema names them.
JSON_TYPES = {"array", "boolean", "integer", "null", "number", "object", "string"}


class Spec:
    def __init__(self, document):
        self.schemas = document["components"]["schemas"]

    def deref(self, schema, seen=()):
        """Follows `$ref`s until a schema without one (sibling keywords of a `$ref` are kept)."""
        while "$ref" in schema:
            ref = schema["$ref"]
            prefix = "#/components/schemas/"
            if not ref.startswith(prefix):
                raise SystemExit(f"unsupported $ref {ref!r}")
            name = ref[len(prefix):]
            if name in seen:
                raise SystemExit(f"$ref cycle through {name!r}")
            seen = seen + (name,)
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = dict(self.schemas[name])
            # Sibling keywords (a description, `deprecated`) never carry members or types here;
            # refuse anything that would.
            for key in siblings:
                if key in ("properties", "allOf", "anyOf", "oneOf", "type", "items"):
                    raise SystemExit(f"unsupported keyword {key!r} beside $ref {ref!r}")
        return schema

    def properties(self, schema):
        """The members of an object schema: its `properties` and those of its `allOf` parts.

        A member declared by several parts must satisfy all of them: its types are intersected.
        """
        schema = self.deref(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                raise SystemExit(f"unsupported top-level {key} in an object schema")
        members = {}
        parts = [schema.get("properties", {})]
        for part in schema.get("allOf", []):
            parts.append(self.properties(part))
        for part in parts:
            for name, member in part.items():
                types = member if isinstance(member, (set, type(None))) else self.types(member)
                if name in members:
                    members[name] = intersect(members[name], types)
                else:
                    members[name] = types
        return members

    def types(self, schema, seen=()):
        """The JSON types a value of `schema` may take, or None when unconstrained."""
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return None
            return self.types(self.deref(schema), seen + (name,))
        result = None
        if "type" in schema:
            declared = schema["type"]
            result = set(declared if isinstance(declared, list) else [declared])
        elif "enum" in schema:
            result = {json_type(value) for value in schema["enum"]}
        elif "const" in schema:
            result = {json_type(schema["const"])}
        elif "properties" in schema or "additionalProperties" in schema:
            result = {"object"}
        elif "items" in schema:
            result = {"array"}
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [self.types(branch, seen) for branch in schema[key]]
                union = None if any(b is None for b in branches) else set().union(*branches)
                result = intersect(result, union)
        for part in schema.get("allOf", []):
            result = intersect(result, self.types(part, seen))
        if result is not None and schema.get("nullable") is True:
            result = result | {"null"}
        if result is not None and not result <= JSON_TYPES:
            raise SystemExit(f"unknown JSON types {sorted(result - JSON_TYPES)}")
        return result


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def intersect(a, b):
    """Types allowed by both (None = unconstrained); `integer` is a `number`."""
    if a is None:
        return b
    if b is None:
        return a
    both = a & b
    if "number" in a and "integer" in b:
        both.add("integer")
    if "integer" in a and "number" in b:
        both.add("integer")
    return both


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    spec_path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else DEFAULT_OUT
    with open(spec_path, encoding="utf-8") as f:
        spec = Spec(yaml.safe_load(f))
    members = spec.properties(spec.schemas[SCHEMA])
    if not members:
        raise SystemExit(f"{SCHEMA} has no properties")
    for name, types in members.items():
        if types == set():
            raise SystemExit(f"{SCHEMA}.{name}: the allOf parts allow no common JSON type")
    listing = [
        {"name": name, "types": sorted(types or ())}
        for name, types in sorted(members.items())
    ]
    text = json.dumps(listing, indent=2, ensure_ascii=False) + "\n"
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{len(listing)} {SCHEMA} properties written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
