{{/* The chart name, or nameOverride. */}}
{{- define "posttrain.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The resource name prefix: fullnameOverride, else <release>-<name> (just <release> when it contains the name). */}}
{{- define "posttrain.fullname" -}}
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

{{- define "posttrain.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "posttrain.labels" -}}
helm.sh/chart: {{ include "posttrain.chart" . }}
{{ include "posttrain.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: posttrain
{{- end }}

{{/* Labels that select the operator's pods. */}}
{{- define "posttrain.selectorLabels" -}}
app.kubernetes.io/name: {{ include "posttrain.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "posttrain.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "posttrain.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag or repository@digest; the tag defaults to the chart's appVersion. Pass (dict "image" X "chart" .Chart). */}}
{{- define "posttrain.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{/* The watched namespaces, de-duplicated, as a comma-separated list ("" = all namespaces). */}}
{{- define "posttrain.watchNamespaces" -}}
{{- join "," (uniq .Values.watchNamespaces) }}
{{- end }}
