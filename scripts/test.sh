#!/usr/bin/env bash
# Runs every test project of the solution, then prints each failed test's name and first message line, and one
# summary line ("Total: N passed, N failed, N skipped").
# Exits non-zero when a test failed or when no test ran at all.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
config=${CONFIG:-Release}
results="$root/TestResults"
rm -rf "$results"

dotnet test Operator.sln -c "$config" --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  --blame-hang-timeout 10m ${TEST_FILTER:+--filter "$TEST_FILTER"}
rc=$?

python3 - "$results" "$rc" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
results, rc = sys.argv[1], int(sys.argv[2])
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
total = passed = failed = skipped = 0
failures = []
for path in sorted(glob.glob(f"{results}/**/*.trx", recursive=True)):
    root = ET.parse(path).getroot()
    for r in root.iterfind("t:Results/t:UnitTestResult", ns):
        if r.get("outcome") not in ("Passed", "NotExecuted"):
            message = r.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns).strip().splitlines()
            failures.append((r.get("testName"), message[0][:300] if message else r.get("outcome")))
    c = root.find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    total += int(c.get("total", 0)); passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    skipped += int(c.get("notExecuted", 0))
print()
for name, message in failures:
    print(f"FAILED {name}: {message}")
print(f"Total: {passed} passed, {failed} failed, {skipped} skipped")
if total == 0:
    print("error: no test ran", file=sys.stderr); sys.exit(1)
sys.exit(1 if failed or rc else 0)
PY
