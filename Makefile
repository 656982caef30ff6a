# PostTrain: the two commands are `make demo` and `make test`; see README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CONFIG ?= Release
DOTNET ?= dotnet
# Tools already on PATH win; tools/bin only fills what is missing.
export PATH := $(PATH):$(CURDIR)/tools/bin
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

WORKER := $(DOTNET) worker/PostTrain.Worker/bin/$(CONFIG)/net10.0/posttrain-worker.dll

.PHONY: all deps build test demo cluster-demo bench gpu-bundle format format-fix crds clean

all: build

## deps: install missing Debian packages (libtorch-dev, python3-torch, python3-jinja2, prometheus, ...) and helm/kubectl
deps:
	@bash scripts/deps.sh all

## build: the whole solution, the native libtorch shim included (incremental)
build:
	$(DOTNET) build Operator.sln -c $(CONFIG) --nologo -clp:ErrorsOnly

## test: deps + build + every test; prints the summary; non-zero on any failure
test: deps build
	@CONFIG=$(CONFIG) bash scripts/test.sh

## demo: deps + build + the main job (SFT -> RLVR -> Eval on CPU, examples/local/arithmetic-pipeline.yaml)
# The worker resumes a job from the checkpoints in its output folder (and refuses them after a manifest edit that
# changes the spec); the demo starts from scratch.
DEMO_RUNS = runs/arithmetic-baseline runs/arithmetic-sft runs/arithmetic-rlvr runs/arithmetic-sft-control runs/arithmetic-eval runs/arithmetic-pipeline
demo: deps build
	rm -rf $(DEMO_RUNS)
	$(WORKER) run examples/local/arithmetic-pipeline.yaml

## cluster-demo: deps + build + the demo's SFT -> RLVR -> Eval through the real path on this machine: the test API
# server, the node agent and the operator, the chart installed with helm, examples/cluster/arithmetic-pipeline.yaml
# applied with kubectl (docs/operator.md, "make cluster-demo"); everything it starts is stopped at the end
cluster-demo: deps build
	@CONFIG=$(CONFIG) bash scripts/cluster-demo.sh

## bench: every benchmark (results belong in docs/benchmarks.md)
bench: deps build
	$(DOTNET) run --project bench/PostTrain.Benchmarks -c $(CONFIG) --no-build -- all

## gpu-bundle: build/gpu-bundle/, the GPU check for a machine without .NET (then: bash build/gpu-bundle/gpu-check.sh)
gpu-bundle:
	bash scripts/gpu-bundle.sh

## format: verify formatting (CI); format-fix rewrites
format:
	$(DOTNET) format Operator.sln --verify-no-changes

format-fix:
	$(DOTNET) format Operator.sln

## crds: regenerate crds/ from the C# types in PostTrain.Api
crds: build
	@if [ -f operator/PostTrain.Api/CrdGenerator.cs ]; then \
	  $(DOTNET) run --project operator/PostTrain.Operator -c $(CONFIG) --no-build -- crds crds/; \
	else echo "crds: CRD generation is not built yet (issue 9)"; exit 1; fi

clean:
	$(DOTNET) clean Operator.sln -c $(CONFIG) --nologo -v q
	rm -rf TestResults worker/PostTrain.Torch/obj/native build
