{{/*
Names are fixed, as in the kustomize overlays: the Go code and the admission
policies refer to them (wfe-conditions-execution-policy, the certificate
Secret, the controller's username), and the CRD and webhook are cluster-wide,
so one release per cluster.
*/}}

{{/* The labels Helm adds to every object; the overlays have none of them. */}}
{{- define "wfe-conditions.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
{{- end }}

{{/* The manager pods, as the Deployment, Service, PDB and NetworkPolicy select them. */}}
{{- define "wfe-conditions.selectorLabels" -}}
app.kubernetes.io/component: manager
app.kubernetes.io/name: wfe-conditions
{{- end }}

{{/* The controller's username: the status policy and webhook let it through. */}}
{{- define "wfe-conditions.username" -}}
system:serviceaccount:{{ .Release.Namespace }}:wfe-conditions-controller-manager
{{- end }}

{{/* The manager's ServiceAccount as an RBAC subject. */}}
{{- define "wfe-conditions.subject" -}}
- kind: ServiceAccount
  name: wfe-conditions-controller-manager
  namespace: {{ .Release.Namespace }}
{{- end }}

{{- define "wfe-conditions.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}
{{- end }}

{{/* Where the DataStorage token and CA are mounted. */}}
{{- define "wfe-conditions.dataStorageTokenDir" -}}/var/run/secrets/wfe-conditions/datastorage-token{{- end }}
{{- define "wfe-conditions.dataStorageCADir" -}}/etc/wfe-conditions/datastorage-ca{{- end }}
