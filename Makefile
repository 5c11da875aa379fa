# The two commands a person needs: `make dev` and `make test`. Everything else
# is a building block of those.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

BIN := $(CURDIR)/bin
CONTROLLER_GEN := $(BIN)/controller-gen
# The tools, built from the Go module proxy by hack/build-tool.sh (which skips
# one already built at its pinned version). Each target builds only the tools
# it runs, in two lanes that build side by side: the tools of
# hack/tools/kubernetes (one module, so they share one compile of the
# Kubernetes libraries), and the rest.
TOOLS_KUBE := kube-apiserver kubectl tekton-controller kwok
TOOLS_OTHER := etcd controller-gen crd-ref-docs kustomize golangci-lint promtool prometheus
# What `make dev` and the API-backed tests start.
DEV_TOOLS := etcd kube-apiserver kubectl kustomize tekton-controller kwok
# The real node's programs (test/framework/cluster): kubelet and its peers, the helpers
# Tekton puts into TaskRun pods, containerd, the CNI plugins and crictl.
NODE_TOOLS_KUBE := kubelet kube-proxy kube-controller-manager kube-scheduler \
	tekton-entrypoint tekton-nop tekton-workingdirinit tekton-sidecarlogresults
NODE_TOOLS_OTHER := containerd containerd-shim-runc-v2 ctr crictl bridge loopback host-local portmap
NODE_TOOLS := $(NODE_TOOLS_KUBE) $(NODE_TOOLS_OTHER)
# build_tools builds the named tools in the two lanes; a failure in either
# fails the target.
define build_tools
	@lane() { for t in "$$@"; do hack/build-tool.sh $$t || return 1; done; }; \
	lane $(filter $(TOOLS_KUBE) $(NODE_TOOLS_KUBE),$(1)) & kube=$$!; \
	lane $(filter-out $(TOOLS_KUBE) $(NODE_TOOLS_KUBE),$(1)) & other=$$!; \
	status=0; wait $$kube || status=1; wait $$other || status=1; exit $$status
endef
# The real-node layer runs where the host allows it (hack/preflight.sh):
# REAL_NODE=auto (default) leaves it out elsewhere and says so at the end of
# make test; REAL_NODE=on, or CI=true, fails at once instead; REAL_NODE=off
# leaves it out.
REAL_NODE ?= auto
NODE_OFF := $(shell REAL_NODE=$(REAL_NODE) hack/preflight.sh)
if_node = $(if $(NODE_OFF),,$(1))

# One build flavour for everything: the tools, `make image` and the
# Dockerfile build static binaries with -trimpath, and the project's own
# builds and tests use the same flags so a cold build compiles each shared
# package once (hack/tools/kubernetes pins the same versions as go.mod).
export CGO_ENABLED := 0
export GOFLAGS := $(strip $(filter-out -trimpath,$(shell go env GOFLAGS)) -trimpath)
# What the real node needs from Debian: runc, iptables (nft backend) and
# conntrack for pods and Services, a static busybox for step images, nft and
# ip to clean up.
NODE_PACKAGES := runc iptables conntrack busybox-static nftables iproute2
# -count=1: every test runs each time. Go's test cache does not see what the
# tests depend on outside the module (the node, the built tools, the host).
GO_TEST_FLAGS ?= -count=1 -timeout 45m
export KUBEBUILDER_ASSETS := $(BIN)

##@ General

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-18s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

# Stamped into the binary (wiring.Version, wiring.Commit); the Dockerfile and
# the offline image take the same two values.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring.Version=$(VERSION) -X kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring.Commit=$(COMMIT)

##@ Development

.PHONY: dev
dev: build ## Run the product on a local control plane (kubeconfig in .dev/kubeconfig); NODE=real runs it as pods on a real node (root).
	$(call build_tools,$(DEV_TOOLS) $(if $(filter real,$(NODE)),$(NODE_TOOLS)))
	@if [ "$(NODE)" = real ]; then $(MAKE) --no-print-directory node-prereqs; fi
	go build -o $(BIN)/dev ./hack/dev
	exec $(BIN)/dev --dir .dev $(if $(NODE),--node=$(NODE)) $(if $(DATASTORAGE_URL),--datastorage-url=$(DATASTORAGE_URL))

.PHONY: bench
bench: build ## Measure the product next to the apiserver's floor; prints a table, JSON in .bench/.
	$(call build_tools,etcd kube-apiserver)
	go build -o $(BIN)/bench ./hack/bench
	$(BIN)/bench --out .bench $(BENCH_FLAGS)

.PHONY: manifests
manifests: ## Generate the CRD, RBAC and webhook manifests from markers.
	@hack/build-tool.sh controller-gen
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd:allowDangerousTypes=true webhook paths="./..." \
		output:crd:artifacts:config=config/crd/bases \
		output:rbac:artifacts:config=config/rbac \
		output:webhook:artifacts:config=config/webhook
	cp config/crd/bases/workflowexecution.kubernaut.ai_workflowexecutions.yaml charts/wfe-conditions/files/
	cp config/components/dashboard/dashboard.json charts/wfe-conditions/files/

.PHONY: generate
generate: ## Generate deepcopy code from markers.
	@hack/build-tool.sh controller-gen
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths="./api/..."

.PHONY: docs
docs: ## Generate docs/api-reference.md from the API's Go types.
	@hack/build-tool.sh crd-ref-docs
	$(BIN)/crd-ref-docs --source-path=./api --config=hack/crd-ref-docs.yaml --renderer=markdown \
		--output-path=docs/api-reference.md --log-level=WARN

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: lint
lint: ## Run golangci-lint (.golangci.yml: vet, staticcheck, errcheck, revive, gocyclo, misspell, gofmt, goimports).
	@hack/build-tool.sh golangci-lint
	$(BIN)/golangci-lint run ./...

.PHONY: lint-fix
lint-fix: ## Apply the fixes golangci-lint knows (formatting, imports).
	@hack/build-tool.sh golangci-lint
	$(BIN)/golangci-lint run --fix ./...

GENERATED = config/crd/bases charts/wfe-conditions/files/workflowexecution.kubernaut.ai_workflowexecutions.yaml config/rbac/role.yaml config/webhook/manifests.yaml api/v1alpha1/zz_generated.deepcopy.go docs/api-reference.md

.PHONY: verify-generated
verify-generated: ## Regenerate; fail when the generated files were stale.
	@before="$$(cat $$(find $(GENERATED) -type f 2>/dev/null | sort) 2>/dev/null | sha256sum)"; \
	$(MAKE) --no-print-directory manifests generate docs >/dev/null; \
	after="$$(cat $$(find $(GENERATED) -type f | sort) | sha256sum)"; \
	if [ "$$before" != "$$after" ]; then \
		echo "Generated files were stale (now regenerated; commit them):"; \
		git status --short -- $(GENERATED); exit 1; fi

# The lanes. Every package of the module is in exactly one: the unit lane is
# what the others leave, and a unit test that reaches for bin/ fails
# (paths.Binary refuses it under WFE_TEST_LANE=unit).
INTEGRATION_PKGS := ./test/crd ./test/integration ./test/install ./test/security ./test/reliability \
	./test/chart ./test/alerts ./test/framework/controlplane ./hack/dev
E2E_PKGS := ./test/e2e
NODE_PKGS := ./test/framework/cluster ./test/node
# PKG and RUN narrow a lane: make test-unit PKG=./reconciler RUN=TestX.
PKG ?=
RUN ?=
run_flags = $(GO_TEST_FLAGS) $(if $(RUN),-run '$(RUN)')
unit_pkgs = $(shell go list ./... | grep -v -x -F $(foreach p,$(INTEGRATION_PKGS) $(E2E_PKGS) $(NODE_PKGS),-e kubernaut.ai/wfe-conditions/$(patsubst ./%,%,$(p))))

.PHONY: preflight
preflight: ## Say whether this host runs the real-node layer; fail when it must (REAL_NODE=on or CI=true) and cannot.
	@if [ -n "$(NODE_OFF)" ] && { [ "$(REAL_NODE)" = on ] || [ "$(CI)" = true ]; } && [ "$(REAL_NODE)" != off ]; then \
		echo "preflight: the real-node layer cannot run here: $(NODE_OFF) (REAL_NODE=off leaves it out; docs/testing.md)"; exit 1; fi
	@if [ -n "$(NODE_OFF)" ]; then echo "preflight: real-node layer left out: $(NODE_OFF)"; else echo "preflight: the real-node layer runs"; fi

.PHONY: test-unit
test-unit: ## Run the tests that need no tool in bin/ (under a minute warm).
	WFE_TEST_LANE=unit KUBEBUILDER_ASSETS=/nonexistent go test $(run_flags) $(or $(PKG),$(unit_pkgs))

.PHONY: test-integration
test-integration: build ## Run the suites on a real kube-apiserver (the webhook over TLS, the manager in-process or as its binary).
	$(call build_tools,$(DEV_TOOLS) promtool prometheus)
	go test $(run_flags) $(or $(PKG),$(INTEGRATION_PKGS))

.PHONY: test-e2e
test-e2e: build ## Run the suites with Tekton's real controller on kwok, and Prometheus.
	$(call build_tools,$(DEV_TOOLS) promtool prometheus)
	go test $(run_flags) $(or $(PKG),$(E2E_PKGS))

.PHONY: test-node
test-node: preflight build ## Run the real-node layer: our image as pods on a real kubelet (root, Linux, cgroup v1).
	@if [ -n "$(NODE_OFF)" ]; then echo "real-node layer NOT RUN: $(NODE_OFF)"; exit 0; fi; \
	$(MAKE) --no-print-directory node-prereqs && \
	$(MAKE) --no-print-directory tools-node && \
	go test $(run_flags) -p 1 $(or $(PKG),$(NODE_PKGS))

.PHONY: tools-node
tools-node:
	$(call build_tools,$(DEV_TOOLS) $(NODE_TOOLS))

.PHONY: test
# Everything, as CI runs it. The real-node packages run one at a time (they
# share the machine's one node), beside the others: they spend about 40% of
# their time waiting on pods, which the others fill.
test: preflight tools build node-prereqs verify-generated lint ## Run every test (builds what it needs; the real-node layer where the host allows it, see REAL_NODE).
	@status=0; \
	if [ -z "$(NODE_OFF)" ]; then go test $(GO_TEST_FLAGS) -p 1 $(NODE_PKGS) & node=$$!; fi; \
	WFE_TEST_LANE=unit KUBEBUILDER_ASSETS=/nonexistent go test $(GO_TEST_FLAGS) $(unit_pkgs) || status=1; \
	go test $(GO_TEST_FLAGS) $(INTEGRATION_PKGS) $(E2E_PKGS) || status=1; \
	if [ -n "$${node:-}" ]; then wait $$node || status=1; fi; \
	if [ -n "$(NODE_OFF)" ]; then echo "real-node layer NOT RUN: $(NODE_OFF)"; fi; \
	exit $$status

##@ Deployment

IMG ?= wfe-conditions:latest
KUSTOMIZE := $(BIN)/kustomize
# KUBECTL is the kubectl on PATH, or bin/kubectl (built when it is used).
KUBECTL ?= $(or $(shell command -v kubectl 2>/dev/null),$(BIN)/kubectl)
# OVERLAY=self-managed installs without cert-manager.
OVERLAY ?= default

.PHONY: install
install: kustomize kubectl ## Install the CRD into the cluster of $$KUBECONFIG.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: uninstall
uninstall: kustomize kubectl ## Remove the CRD (and with it every WorkflowExecution).
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found -f -

.PHONY: deploy
deploy: kustomize kubectl ## Install everything; IMG= selects the image, OVERLAY=self-managed skips cert-manager.
	$(MAKE) --no-print-directory render-installer OUT=- | $(KUBECTL) apply --server-side -f -

.PHONY: undeploy
undeploy: kustomize kubectl ## Remove everything deploy installed, WorkflowExecutions first (the manager releases their finalizers).
	hack/undeploy.sh $(KUBECTL)
	$(MAKE) --no-print-directory render-installer OUT=- | $(KUBECTL) delete --ignore-not-found -f -

.PHONY: build-installer
build-installer: kustomize ## Write everything into one dist/install.yaml.
	@mkdir -p dist
	$(MAKE) --no-print-directory render-installer OUT=dist/install.yaml

.PHONY: render-installer
render-installer:
	@tmp=$$(mktemp -d); cp -r config $$tmp/; \
	(cd $$tmp/config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)); \
	if [ "$(OUT)" = "-" ]; then $(KUSTOMIZE) build $$tmp/config/$(OVERLAY); else $(KUSTOMIZE) build $$tmp/config/$(OVERLAY) > $(OUT); fi; \
	rm -rf $$tmp

# The Helm chart, with Helm's Go library (hack/helm); test/chart checks it
# renders what the overlays build. HELM_FLAGS: -f values.yaml, --set k=v.
.PHONY: helm-lint
helm-lint: ## Lint charts/wfe-conditions as `helm lint` would.
	go run ./hack/helm lint $(HELM_FLAGS)

.PHONY: helm-template
helm-template: ## Render charts/wfe-conditions as `helm template` would (HELM_FLAGS='--set certificates.mode=selfManaged').
	go run ./hack/helm template $(HELM_FLAGS)

.PHONY: docker-build
docker-build: ## Build the image $(IMG) (needs a container engine; none runs on the project's machines).
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMG) .

# The manager's image without a container engine: the binary built with the
# Dockerfile's flags (IMAGE_GO_BUILD; hack/image's test holds the two equal)
# for the linux/amd64 the image declares, then one layer on an empty base.
# IMG=wfe-conditions:<not latest> suits a node whose pull policy is IfNotPresent.
IMAGE_GO_BUILD := CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "-s -w $(LDFLAGS)"

.PHONY: image
image: ## Build the manager image as bin/images/wfe-conditions.tar, without a container engine (IMG= names it).
	$(IMAGE_GO_BUILD) -o $(BIN)/image/wfe-conditions ./cmd/wfe-conditions
	go run ./hack/image manager -binary $(BIN)/image/wfe-conditions -version $(VERSION) -commit $(COMMIT) -tag $(IMG) -out $(BIN)/images/wfe-conditions.tar

##@ Release

# make release VERSION=vX.Y.Z IMAGE_REPO=<registry/name> writes DIST: the
# manager as an OCI image index for RELEASE_PLATFORMS (an OCI layout folder
# and its tarball), install.yaml and install-self-managed.yaml naming
# IMAGE_REPO@<index digest>, the chart packaged with that digest, a CycloneDX
# SBOM and SHA256SUMS. Offline and reproducible: two runs on one commit give
# the same SHA256SUMS. It pushes nothing (docs/operations.md, "Publishing").
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64
# The kubectl plugin's archives (with a krew manifest), and where they will be
# published: by default the project's GitHub release of VERSION.
PLUGIN_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
HOMEPAGE := https://github.com/kubernaut/wfe-conditions
DOWNLOAD_URL ?= $(HOMEPAGE)/releases/download/$(VERSION)
DIST ?= dist
# Every archive entry's mtime, the image's created time and the SBOM's.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
# The microarchitecture levels pinned, not taken from the environment; the
# same Go toolchain is needed for the same bytes (`go version` in the SBOM).
RELEASE_GO_BUILD := CGO_ENABLED=0 GOAMD64=v1 GOARM64=v8.0 go build -trimpath -ldflags "-s -w $(LDFLAGS)"

.PHONY: release
release: kustomize ## Write a release into dist/ (VERSION=vX.Y.Z IMAGE_REPO=<registry/name>); offline, reproducible, pushes nothing.
	@echo "$(VERSION)" | grep -Eq '^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$$' || \
		{ echo "make release: VERSION=$(VERSION) is not vX.Y.Z[-pre]" >&2; exit 2; }
	@case "$(VERSION)" in *-dirty) echo "make release: VERSION=$(VERSION) is a modified tree; commit first" >&2; exit 2;; esac
	@[ -n "$(IMAGE_REPO)" ] || { echo "make release: set IMAGE_REPO, e.g. IMAGE_REPO=ghcr.io/acme/wfe-conditions" >&2; exit 2; }
	@rm -rf $(DIST) && mkdir -p $(DIST) && build=$$(mktemp -d) && trap 'rm -rf $$build' EXIT && set -e && \
	binaries= && first= && \
	for p in $(RELEASE_PLATFORMS); do \
		echo "release: build the manager for $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(RELEASE_GO_BUILD) -o $$build/$${p%/*}-$${p#*/} ./cmd/wfe-conditions; \
		binaries="$$binaries -binary $$p=$$build/$${p%/*}-$${p#*/}"; first=$${first:-$$build/$${p%/*}-$${p#*/}}; \
	done && \
	plugins= && \
	for p in $(PLUGIN_PLATFORMS); do \
		echo "release: build the kubectl plugin for $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(RELEASE_GO_BUILD) -o $$build/plugin-$${p%/*}-$${p#*/} ./cmd/kubectl-wfe; \
		plugins="$$plugins -plugin $$p=$$build/plugin-$${p%/*}-$${p#*/}"; \
	done && \
	export SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) && \
	go run ./hack/image index $$binaries -version $(VERSION) -commit $(COMMIT) -name $(IMAGE_REPO):$(VERSION) -layout $(DIST)/oci && \
	go run ./hack/release -version $(VERSION) -image-repo $(IMAGE_REPO) -layout $(DIST)/oci -binary $$first -kustomize $(KUSTOMIZE) -out $(DIST) \
		$$plugins -download-url $(DOWNLOAD_URL) -homepage $(HOMEPAGE)

##@ Build

.PHONY: build
build: ## Build the manager and the kubectl plugin (kubectl-wfe) into bin/.
	go build -ldflags "$(LDFLAGS)" -o $(BIN)/wfe-conditions ./cmd/wfe-conditions
	go build -o $(BIN)/kubectl-wfe ./cmd/kubectl-wfe

.PHONY: tools
tools: ## Build every tool the tests and make dev run into bin/ (only when missing or when its pinned version changed).
	$(call build_tools,$(TOOLS_KUBE) $(TOOLS_OTHER) $(call if_node,$(NODE_TOOLS)))

.PHONY: kustomize
kustomize:
	@hack/build-tool.sh kustomize

.PHONY: kubectl
kubectl:
	@if [ "$(KUBECTL)" = "$(BIN)/kubectl" ]; then hack/build-tool.sh kubectl; fi

.PHONY: node-prereqs
node-prereqs: ## Install the Debian packages the real node needs, when missing (root; idempotent).
	@if [ "$(REAL_NODE)" = off ]; then exit 0; fi; \
	missing=$$(for p in $(NODE_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "node-prereqs: root is needed to install $$(echo $$missing) (or REAL_NODE=off, see docs/testing.md)"; exit 1; fi; \
		echo "installing $$(echo $$missing)"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
