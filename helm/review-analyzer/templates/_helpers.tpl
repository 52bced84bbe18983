{{/*
Chart name, truncated to the 63 characters a DNS label allows.
*/}}
{{- define "review-analyzer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name, plus the chart name unless the release already has it.
*/}}
{{- define "review-analyzer.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "review-analyzer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "review-analyzer.labels" -}}
helm.sh/chart: {{ include "review-analyzer.chart" . }}
{{ include "review-analyzer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: review-analyzer
{{- end }}

{{/*
Selector labels: immutable on a Deployment, so they never include versions.
*/}}
{{- define "review-analyzer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "review-analyzer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Name of the ServiceAccount to use.
*/}}
{{- define "review-analyzer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "review-analyzer.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Container image reference: a digest wins over a tag; the tag defaults to the appVersion.
*/}}
{{- define "review-analyzer.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Termination grace period: longer than everything that happens between the kubelet starting to
stop the pod and gunicorn exiting, so in-flight requests finish before SIGKILL: the preStop
sleep, gunicorn's drain (it keeps serving, /readyz answering 503, for at most 5 seconds after
SIGTERM: MAX_DRAIN_SECONDS in service/gunicorn_conf.py) and its graceful timeout. The default
adds 10 seconds for gunicorn to reap its workers.
*/}}
{{- define "review-analyzer.terminationGracePeriodSeconds" -}}
{{- $maxDrainSeconds := 5 }}
{{- $needed := add .Values.lifecycle.preStopSleepSeconds $maxDrainSeconds .Values.config.gracefulTimeout }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $needed 10 }}
{{- else if le (int .Values.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must exceed lifecycle.preStopSleepSeconds + 5 s of drain + config.gracefulTimeout (%v)" .Values.terminationGracePeriodSeconds $needed) }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/*
API-key authentication (auth.*): the Secret that holds the keys, and the file they are mounted
as. Fails the render when auth is on without keys, or when a probe path is not exempt (the
kubelet sends no key, so a protected probe would restart every pod).
*/}}
{{- define "review-analyzer.authSecretName" -}}
{{- if not (or .Values.auth.existingSecret .Values.auth.keys) }}
{{- fail "auth.enabled needs auth.keys or auth.existingSecret" }}
{{- end }}
{{- range $probe := list .Values.probes.startup.path .Values.probes.liveness.path .Values.probes.readiness.path }}
{{- if not (has $probe $.Values.auth.exemptPaths) }}
{{- fail (printf "auth.exemptPaths must include the probe path %s" $probe) }}
{{- end }}
{{- end }}
{{- default (printf "%s-api-keys" (include "review-analyzer.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{- define "review-analyzer.authSecretKey" -}}
{{- if .Values.auth.existingSecret }}{{ .Values.auth.existingSecretKey }}{{ else }}api-keys{{ end }}
{{- end }}

{{- define "review-analyzer.authMountPath" -}}
/etc/review-analyzer/auth
{{- end }}
