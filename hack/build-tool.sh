#!/usr/bin/env bash
# Builds one pinned tool into bin/ unless bin/ already holds that exact version.
# Usage: hack/build-tool.sh NAME
# The version stamp (bin/.NAME.version) is the tools module's go.sum hash plus the
# build flags, so bumping a version in hack/tools/*/go.mod rebuilds the tool.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${root}/bin"
name="$1"

k8s_version=v1.37.2
k8s_ldflags() {
	local minor
	minor="$(echo "${k8s_version}" | cut -d. -f2)"
	local flags="-s -w"
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		flags+=" -X ${pkg}.gitVersion=${k8s_version} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
		flags+=" -X ${pkg}.gitTreeState=clean"
	done
	echo "${flags}"
}

tags=""
out="${bin}/${name}"
case "${name}" in
kube-apiserver | kubectl | kubelet | kube-proxy | kube-controller-manager | kube-scheduler)
	module=kubernetes
	pkg="k8s.io/kubernetes/cmd/${name}"
	ldflags="$(k8s_ldflags)"
	;;
etcd)
	module=etcd
	pkg=go.etcd.io/etcd/server/v3
	ldflags="-s -w"
	;;
tekton-controller)
	module=kubernetes
	pkg=github.com/tektoncd/pipeline/cmd/controller
	ldflags="-s -w"
	;;
tekton-entrypoint | tekton-nop | tekton-workingdirinit | tekton-sidecarlogresults)
	# What Tekton's controller puts into TaskRun pods, for the real node's images.
	module=kubernetes
	pkg="github.com/tektoncd/pipeline/cmd/${name#tekton-}"
	ldflags="-s -w"
	;;
containerd | containerd-shim-runc-v2 | ctr)
	module=containerd
	pkg="github.com/containerd/containerd/v2/cmd/${name}"
	ldflags="-s -w"
	tags=no_btrfs
	;;
bridge | loopback | host-local | portmap)
	# CNI plugins go to bin/cni/, the only folder containerd looks in for them.
	module=cni
	case "${name}" in
	host-local) pkg=github.com/containernetworking/plugins/plugins/ipam/host-local ;;
	portmap) pkg=github.com/containernetworking/plugins/plugins/meta/portmap ;;
	*) pkg="github.com/containernetworking/plugins/plugins/main/${name}" ;;
	esac
	ldflags="-s -w"
	out="${bin}/cni/${name}"
	;;
crictl)
	module=cri-tools
	pkg=sigs.k8s.io/cri-tools/cmd/crictl
	ldflags="-s -w"
	;;
kwok)
	module=kubernetes
	pkg=sigs.k8s.io/kwok/cmd/kwok
	ldflags="-s -w"
	;;
kustomize)
	module=kustomize
	pkg=sigs.k8s.io/kustomize/kustomize/v5
	ldflags="-s -w"
	;;
crd-ref-docs)
	module=crd-ref-docs
	pkg=github.com/elastic/crd-ref-docs
	ldflags="-s -w"
	;;
golangci-lint)
	module=golangci-lint
	pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint
	ldflags="-s -w"
	;;
prometheus | promtool)
	# The tests use static targets only: leaving out the cloud and Kubernetes
	# service discoveries spares a cold build about 240 packages.
	module=prometheus
	pkg="github.com/prometheus/prometheus/cmd/${name}"
	ldflags="-s -w"
	tags=remove_all_sd
	;;
controller-gen)
	module=controller-gen
	pkg=sigs.k8s.io/controller-tools/cmd/controller-gen
	ldflags="-s -w"
	;;
*)
	echo "build-tool: unknown tool ${name}" >&2
	exit 2
	;;
esac

dir="${root}/hack/tools/${module}"
stamp="${bin}/.${name}.version"
want="$(cat "${dir}/go.mod" "${dir}/go.sum" | sha256sum | cut -c1-16) ${ldflags}${tags:+ tags=${tags}}"

if [[ -x "${out}" && -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
	exit 0
fi

mkdir -p "$(dirname "${out}")"
echo "building ${name} (first build can take minutes; cached in bin/ afterwards)" >&2
start=$(date +%s)
(cd "${dir}" && CGO_ENABLED=0 go build -mod=mod -trimpath -tags "${tags}" -ldflags "${ldflags}" -o "${out}.tmp" "${pkg}")
mv "${out}.tmp" "${out}"
echo "${want}" > "${stamp}"
echo "built ${name} in $(($(date +%s) - start))s" >&2
