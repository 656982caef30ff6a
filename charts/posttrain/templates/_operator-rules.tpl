{{/*
The operator's permissions, in one place. Each verb is one the operator's code uses (operator/PostTrain.Operator
over operator/PostTrain.Kube); tests/PostTrain.Shipping.Tests/RbacTests runs the operator against the test API
server, records every request and fails when a request is not allowed here or when a verb here is neither used
nor listed there with its reason. Change the operator, then change this list.

posttrain.jobRules apply where jobs live (a ClusterRole, or a Role per watched namespace):
- PostTrain kinds: list+watch (informers), get (the live check before creating children), delete
  (ttlSecondsAfterFinished); status: update (ReplaceStatusAsync); finalizers: update, which the
  OwnerReferencesPermissionEnforcement admission plugin demands before a child may carry blockOwnerDeletion.
- batch Jobs: list+watch (informer), create, get (AlreadyExists, and the read of UpdateAsync), update (suspend
  and the scheduling fields of a suspended Job); jobs/status: update (clearing startTime of a Job suspended after it
  started, so its scheduling fields may change again).
- ConfigMaps: list+watch (informer), create, get+update (UpdateAsync rewriting job.json after a rolled-out spec edit). Services: create (an AlreadyExists answer is
  enough; the operator remembers what it created until its caches show it).
- networking.k8s.io NetworkPolicies: create (jobs whose rewards run code get one that limits their pods' egress; an
  AlreadyExists answer is enough).
- Pods: list+watch (informer; results come from termination messages, progress from the pod IP).
- events.k8s.io Events: create, patch (a repeated event becomes a series).
posttrain.leaseRules apply in the release namespace only (leader election): get, create, update.
*/}}
{{- define "posttrain.jobRules" -}}
- apiGroups: ["posttrain.dev"]
  resources: ["sftjobs", "rlvrjobs", "evaljobs"]
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: ["posttrain.dev"]
  resources: ["sftjobs/status", "rlvrjobs/status", "evaljobs/status"]
  verbs: ["update"]
- apiGroups: ["posttrain.dev"]
  resources: ["sftjobs/finalizers", "rlvrjobs/finalizers", "evaljobs/finalizers"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: ["batch"]
  resources: ["jobs/status"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["create"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{- define "posttrain.leaseRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
{{- end }}
