#!/usr/bin/env bash
# minik against real Kubernetes: a cluster from kind's pinned node images (a real kubeadm,
# kubelet and API server, which the tests on the development machine replace with a stand-in),
# then every built-in lab of the tour run to its end with --yes, then delete. CI runs it on a
# hosted Ubuntu runner (.github/workflows/ci.yml) for each cluster shape; by hand:
#   .github/scripts/real-kubernetes.sh NAME NODES [minik create flags...]
# MINIK names the binary (default target/debug/minik).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if (($# < 2)); then
  echo "usage: real-kubernetes.sh NAME NODES [minik create flags...]" >&2
  exit 2
fi
name=$1 nodes=$2
shift 2
minik=${MINIK:-target/debug/minik}

"$minik" version
"$minik" doctor --nodes "$nodes"
"$minik" create --name "$name" --nodes "$nodes" "$@"
"$minik" get nodes --name "$name"
# The cluster's own kubectl, as an attendee without one runs it.
"$minik" kubectl --name "$name" -- get nodes -o wide

# Every node Ready, as the API server itself reports it.
kubeconfig=$(mktemp)
trap 'rm -f "$kubeconfig"' EXIT
"$minik" get kubeconfig --name "$name" >"$kubeconfig"
ready=$(kubectl --kubeconfig "$kubeconfig" get nodes --no-headers | awk '$2 == "Ready"' | wc -l)
if ((ready != nodes)); then
  echo "real-kubernetes: $ready of $nodes nodes are Ready" >&2
  kubectl --kubeconfig "$kubeconfig" get nodes -o wide >&2
  exit 1
fi

for lab in src/tour/labs/*.yaml; do
  id=$(basename "$lab" .yaml)
  echo "--- tour: lab $id on $name"
  "$minik" tour --name "$name" --lab "$id" --yes
done

"$minik" delete --name "$name"
