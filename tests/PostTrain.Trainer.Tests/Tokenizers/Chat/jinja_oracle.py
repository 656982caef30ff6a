"""Renders Jinja templates the way Hugging Face's transformers renders chat templates, as the oracle for the C# renderer.

Reads JSON lines {"template": str, "variables": {...}, "now": "YYYY-MM-DDTHH:MM:SS"} on stdin and writes one JSON line per
input: {"rendered": str} or {"error": "ExceptionType: message"}. With --annotate it writes each input line back with the
result added as "expected" (how jinja_constructs.jsonl was made from its cases). The environment is transformers' own
(src/transformers/utils/chat_template_utils.py): ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
with the loopcontrols extension, tojson as json.dumps(ensure_ascii=False, ...), raise_exception and strftime_now.
Run with Debian's /usr/bin/python3 (python3-jinja2).
"""
import datetime
import json
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment


class Generation(jinja2.ext.Extension):
    """transformers' AssistantTracker, without the tracking: {% generation %} renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def environment(now):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return now.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        now = datetime.datetime.fromisoformat(case.get("now", "2026-07-26T09:05:03"))
        try:
            rendered = environment(now).from_string(case["template"]).render(**case.get("variables", {}))
            result = {"rendered": rendered}
        except Exception as e:  # noqa: BLE001 - every failure is an answer
            result = {"error": f"{type(e).__name__}: {e}"}
        if "--annotate" in sys.argv:
            result = {**case, "expected": result}
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
