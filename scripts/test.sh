#!/usr/bin/env bash
# Runs every test project of the solution, then prints one summary line ("Total: N passed, N failed, N skipped").
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
for path in sorted(glob.glob(f"{results}/**/*.trx", recursive=True)):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    total += int(c.get("total", 0)); passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    skipped += int(c.get("notExecuted", 0))
print()
print(f"Total: {passed} passed, {failed} failed, {skipped} skipped")
if total == 0:
    print("error: no test ran", file=sys.stderr); sys.exit(1)
sys.exit(1 if failed or rc else 0)
PY
