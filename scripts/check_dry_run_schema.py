#!/usr/bin/env python3
"""Validate `codex-api request --dry-run` bodies against the official OpenAPI schemas.

Usage: scripts/check_dry_run_schema.py PATH/TO/codex-api PATH/TO/openai-openapi.yaml

Runs the dry run for representative flag sets of every endpoint with a body and checks each body
against `CreateResponse` (responses) or `CompactResponseMethodPublicBody` (compact). Exits non-zero
on the first schema violation. Needs PyYAML and jsonschema.
"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import yaml


def main() -> int:
    binary, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    components = spec["components"]

    # The OpenAPI description's unions overlap (an input message with array content matches both
    # `EasyInputMessage` and `InputMessage`), so strict `oneOf` rejects bodies the API accepts.
    # Its generated SDKs treat those unions as "any of"; so does this check.
    base = jsonschema.Draft202012Validator
    union = jsonschema.validators.extend(
        base, {"oneOf": base.VALIDATORS["anyOf"]}, version="2020-12-union")

    def validator(name):
        schema = {"$ref": f"#/components/schemas/{name}", "components": components}
        return union(schema)

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"type": "object", "properties": {"answer": {"type": "string"}},
                   "required": ["answer"], "additionalProperties": False}, f)
        schema_file = f.name

    tool = 'get_weather:{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}'
    cases = [
        ("CreateResponse", ["hello"]),
        ("CreateResponse", ["--model", "gpt-5-codex", "--instructions", "Be brief.",
                            "--reasoning-effort", "high", "--tool-function", tool,
                            "--tool-function", 'noop:{"type":"object"}', "--store",
                            "--previous-response-id", "resp_123", "--max-output-tokens", "256",
                            "--text-verbosity", "low", "What is the weather in Zürich?"]),
        ("CreateResponse", ["--json-schema", schema_file, "answer as JSON"]),
        ("CreateResponse", []),
        ("CompactResponseMethodPublicBody", ["--endpoint", "compact", "--instructions",
                                             "Summarise.", "a long conversation"]),
        ("CompactResponseMethodPublicBody", ["--endpoint", "compact", "--model", "gpt-5"]),
    ]
    env = dict(os.environ, OPENAI_API_KEY="sk-schema-check")
    env.pop("OPENAI_BASE_URL", None)
    failures = 0
    for schema_name, flags in cases:
        out = subprocess.run([binary, "request", "--dry-run", *flags], env=env,
                             capture_output=True, text=True, check=True).stdout
        document = json.loads(out)
        if "sk-schema-check" in out:
            print(f"FAIL {flags}: the API key leaked into the dry-run output")
            failures += 1
        errors = sorted(validator(schema_name).iter_errors(document["body"]), key=str)
        if errors:
            failures += 1
            print(f"FAIL {schema_name} {flags}:")
            for error in errors[:5]:
                print(f"  {error.json_path}: {error.message[:300]}")
        else:
            print(f"ok   {schema_name} {' '.join(flags)[:80]}")
    os.unlink(schema_file)
    print(f"{len(cases) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
