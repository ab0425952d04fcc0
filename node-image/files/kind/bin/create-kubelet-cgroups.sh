#!/bin/bash
# kubelet ExecStartPre: make sure the kubelet's cgroup roots exist.
set -o errexit -o nounset -o pipefail

if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
	# cgroup v2: by now systemd has moved every process out of the root cgroup (into init.scope),
	# so the controllers can be enabled for children; the kubelet needs all of them.
	if [[ -n $(cat /sys/fs/cgroup/cgroup.procs) ]]; then
		echo "ERROR: the root cgroup still holds processes; cannot enable controllers" >&2
		exit 1
	fi
	enable_all() { # DIR: enable every available controller for DIR's children
		local c
		for c in $(<"$1/cgroup.controllers"); do
			echo "+$c" >"$1/cgroup.subtree_control" 2>/dev/null ||
				echo "WARN: cannot enable $c in $1" >&2
		done
	}
	enable_all /sys/fs/cgroup
	for d in /sys/fs/cgroup/kubelet /sys/fs/cgroup/kubelet.slice; do
		mkdir -p "$d"
		enable_all "$d"
	done
else
	# cgroup v1: the entrypoint created these; some setups (WSL2) add the systemd hierarchy later
	if [[ -d /sys/fs/cgroup/systemd && ! -d /sys/fs/cgroup/systemd/kubelet ]]; then
		mkdir -p /sys/fs/cgroup/systemd/kubelet
	fi
fi
