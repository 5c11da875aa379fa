#!/usr/bin/env bash
# Deletes every WorkflowExecution before `make undeploy` removes the rest.
# The manager removes its finalizers: the audit one once the terminal audit
# event is acknowledged (or its grace passed), and in execution-namespace
# mode the cleanup one once it has deleted the PipelineRun in the other
# namespace; deleted after the manager, they would keep the CRD's deletion
# waiting forever.
# Usage: [UNDEPLOY_WAIT=seconds] hack/undeploy.sh KUBECTL [KUBECTL ARGS...]
set -euo pipefail

kubectl=("$@")
resource=workflowexecutions.workflowexecution.kubernaut.ai
finalizer=workflowexecution.kubernaut.ai/pipelinerun-cleanup
audit_finalizer=workflowexecution.kubernaut.ai/audit

if ! "${kubectl[@]}" get crd "${resource}" >/dev/null 2>&1; then
	exit 0
fi
# Not --wait: kubectl waits for each object in turn, minutes for thousands.
"${kubectl[@]}" delete "${resource}" --all --all-namespaces --wait=false
for _ in $(seq 1 "${UNDEPLOY_WAIT:-120}"); do
	left="$("${kubectl[@]}" get "${resource}" --all-namespaces -o name)"
	if [[ -z "${left}" ]]; then
		exit 0
	fi
	sleep 1
done
# The manager is gone or stuck. Release what it would have released; the
# PipelineRuns it would have deleted stay in the execution namespace
# (docs/operations.md, "Uninstall").
echo "undeploy: WorkflowExecutions still held after ${UNDEPLOY_WAIT:-120} s; removing ${finalizer} and ${audit_finalizer} from them (their unacknowledged audit events are lost)" >&2
# Only the controller removes our finalizers (config/policies/finalizers.yaml),
# and the break-glass group: act as ourselves, in that group too.
me="$("${kubectl[@]}" auth whoami -o jsonpath='{.status.userInfo.username}')"
as=(--as="${me}" --as-group=wfe-conditions:finalizer-break-glass)
while read -r group; do
	if [[ -n "${group}" ]]; then
		as+=(--as-group="${group}")
	fi
done < <("${kubectl[@]}" auth whoami -o jsonpath='{range .status.userInfo.groups[*]}{@}{"\n"}{end}')
released=0
while read -r ns name uid finalizers; do
	if [[ "${finalizers}" != *"${finalizer}"* && "${finalizers}" != *"${audit_finalizer}"* ]]; then
		continue # held only by another's finalizer: not ours to release or tell
	fi
	kept="$(echo "${finalizers}" | tr -d '[]"' | tr ',' '\n' | { grep -vxF -e "${finalizer}" -e "${audit_finalizer}" -e '' || true; } |
		sed 's/.*/"&"/' | paste -sd, -)"
	"${kubectl[@]}" "${as[@]}" patch "${resource}" "${name}" -n "${ns}" --type=merge -p "{\"metadata\":{\"finalizers\":[${kept}]}}"
	released=$((released + 1))
	# Told on the object, as the manager and the uninstall hook tell it; best
	# effort (a terminating namespace refuses Events).
	"${kubectl[@]}" create -f - >/dev/null <<-EVENT || true
	{"apiVersion": "events.k8s.io/v1", "kind": "Event",
	 "metadata": {"generateName": "${name}-", "namespace": "${ns}"},
	 "eventTime": "$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)", "type": "Warning", "reason": "AuditAbandoned",
	 "action": "Uninstall", "reportingController": "wfe-conditions", "reportingInstance": "wfe-conditions-undeploy",
	 "note": "Released by make undeploy while being deleted, the manager gone; its unacknowledged audit events are lost",
	 "regarding": {"apiVersion": "workflowexecution.kubernaut.ai/v1alpha1", "kind": "WorkflowExecution",
	  "namespace": "${ns}", "name": "${name}", "uid": "${uid}"}}
	EVENT
done < <("${kubectl[@]}" get "${resource}" --all-namespaces \
	-o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.metadata.uid}{" "}{.metadata.finalizers}{"\n"}{end}')
echo "undeploy: released ${released} WorkflowExecutions (a Warning Event AuditAbandoned on each)" >&2
