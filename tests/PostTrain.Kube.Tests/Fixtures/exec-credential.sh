#!/bin/sh
# Test exec credential plugin. Prints an ExecCredential whose token is "$TOKEN_PREFIX-N", N counting the
# invocations (kept in $COUNTER_FILE), expiring $EXPIRES_IN seconds from now. Fails unless kubectl's
# KUBERNETES_EXEC_INFO is set, as a real plugin may.
if [ -z "$KUBERNETES_EXEC_INFO" ]; then
  echo "KUBERNETES_EXEC_INFO is not set" >&2
  exit 3
fi
n=$(( $(cat "$COUNTER_FILE" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$COUNTER_FILE"
exp=$(date -u -d "+${EXPIRES_IN:-3600} seconds" +%Y-%m-%dT%H:%M:%SZ)
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s","expirationTimestamp":"%s"}}\n' "${TOKEN_PREFIX:-token}" "$n" "$exp"
