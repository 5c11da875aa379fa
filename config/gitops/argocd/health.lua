-- Argo CD health of a WorkflowExecution (workflowexecution.kubernaut.ai).
-- Healthy: the pipeline succeeded and DataStorage acknowledged the final audit
-- event, or auditing is off. Degraded: the pipeline failed (any reason, a
-- timeout, a cancel or a PipelineRun that could not be created included), or
-- delivering an audit event failed. Progressing: anything else. The message
-- is the deciding condition's. docs/operations.md, "GitOps health".
local hs = {status = "Progressing", message = "Waiting for the controller to write the status"}
local status = obj.status
if status == nil then
  return hs
end
-- Conditions of an older generation say nothing about this one.
local generation = obj.metadata.generation
if status.observedGeneration ~= nil and generation ~= nil and status.observedGeneration ~= generation then
  hs.message = "Waiting for the controller to observe generation " .. generation
  return hs
end
local c = {}
if status.conditions ~= nil then
  for _, cond in ipairs(status.conditions) do
    c[cond.type] = cond
  end
end
local function is(cond, value)
  return cond ~= nil and cond.status == value
end
local function says(cond, default)
  if cond ~= nil and cond.message ~= nil and cond.message ~= "" then
    return cond.message
  end
  return default
end
local created, running = c["TektonPipelineCreated"], c["TektonPipelineRunning"]
local complete, audit = c["TektonPipelineComplete"], c["AuditRecorded"]
-- TektonPipelineComplete is False for every failure, a PipelineRun that could
-- not be created included; the pipeline's failure outranks an audit failure.
if is(complete, "False") then
  hs.status = "Degraded"
  hs.message = says(complete, "The Tekton PipelineRun failed")
  return hs
end
-- AuditFailed: delivery failed and is retried, or DataStorage refused an
-- event for good; either way the audit trail has a gap someone must look at.
if is(audit, "False") then
  hs.status = "Degraded"
  hs.message = says(audit, "Delivering a lifecycle audit event failed")
  return hs
end
if is(complete, "True") then
  -- AuditRecorded turns back to Unknown/AuditPending in the write that
  -- finishes the run, until DataStorage acknowledges the final event.
  if is(audit, "True") or (is(audit, "Unknown") and audit.reason == "AuditDisabled") then
    hs.status = "Healthy"
    hs.message = says(complete, "The Tekton PipelineRun succeeded")
    return hs
  end
  hs.message = says(audit, "Waiting for DataStorage to acknowledge the final audit event")
  return hs
end
if is(created, "True") then
  hs.message = says(running, "Waiting for the Tekton PipelineRun to start")
else
  hs.message = says(created, "Waiting for the Tekton PipelineRun to be created")
end
return hs
