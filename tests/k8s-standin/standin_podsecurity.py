"""TEST DOUBLE: the PodSecurity admission plugin at the `baseline` level, for the stand-in's API
server. A pod created in a namespace labelled `pod-security.kubernetes.io/enforce=baseline` (or
`restricted`, of which only the baseline part is modelled) is refused with the real plugin's
message, so that minik's tour, which labels its namespace so, meets the refusal a real cluster
gives a lab's privileged or host-access pod.

Mirrors upstream kubernetes, staging/src/k8s.io/pod-security-admission (learned from it, written
here):
- admission/admission.go: the refusal `violates PodSecurity "<level>:<version>": <details>`
  (version from `...-enforce-version`, default `latest`), wrapped by the API server as
  `pods "<name>" is forbidden: ...` (403 Forbidden); `privileged` (or no label) allows all.
- policy/registry.go, checks.go: details are `<reason> (<detail>)` joined with ", "; checks run
  in registration order (file order), the non-overlapping baseline checks first, then the ones
  restricted overlaps (capabilities, hostPath volumes, seccomp).
- policy/check_hostNamespaces.go, check_hostPorts.go, check_privileged.go, check_procMount.go,
  check_sysctls.go, check_capabilities_baseline.go, check_hostPathVolumes.go,
  check_seccompProfile_baseline.go: each reason and detail wording, pluralised as upstream.
Not modelled: AppArmor, SELinux options, Windows hostProcess, host probes, the seccomp
annotations, the user-namespace relaxation of procMount, and `restricted`'s own checks.
Pod updates and pod-controller warnings are not checked either (controllers' pods are: they are
created through the same path).
"""

ENFORCE = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION = ENFORCE + "-version"

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
}
GOOD_SECCOMP = ("RuntimeDefault", "Localhost")


def plural(one, many, n):
    return one if n == 1 else many


def join_quote(items):
    return ", ".join(f'"{i}"' for i in items)


def containers(spec):
    """Init, regular and ephemeral containers, in upstream's visiting order."""
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(field) or []:
            yield c


def sc(c):
    return c.get("securityContext") or {}


def host_namespaces(spec):
    used = sorted(k for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k) is True)
    return ("host namespaces", ", ".join(used)) if used else None


def host_ports(spec):
    bad, ports = [], set()
    for c in containers(spec):
        mine = [p.get("hostPort") for p in c.get("ports") or [] if p.get("hostPort")]
        if mine:
            bad.append(c.get("name", ""))
            ports.update(str(p) for p in mine)
    if not bad:
        return None
    ports = sorted(ports)
    return ("hostPort", f'{plural("container", "containers", len(bad))} {join_quote(bad)} '
                        f'{plural("uses", "use", len(bad))} '
                        f'{plural("hostPort", "hostPorts", len(ports))} {", ".join(ports)}')


def privileged(spec):
    bad = [c.get("name", "") for c in containers(spec) if sc(c).get("privileged") is True]
    if not bad:
        return None
    return ("privileged", f'{plural("container", "containers", len(bad))} {join_quote(bad)} '
                          f'must not set securityContext.privileged=true')


def proc_mount(spec):
    bad, kinds = [], set()
    for c in containers(spec):
        mount = sc(c).get("procMount")
        if mount is not None and mount != "Default":
            bad.append(c.get("name", ""))
            kinds.add(mount)
    if not bad:
        return None
    return ("procMount", f'{plural("container", "containers", len(bad))} {join_quote(bad)} '
                         f'must not set securityContext.procMount to {join_quote(sorted(kinds))}')


def sysctls(spec):
    names = [s.get("name", "") for s in (spec.get("securityContext") or {}).get("sysctls") or []]
    bad = [n for n in names if n not in SAFE_SYSCTLS]
    return ("forbidden sysctls", ", ".join(bad)) if bad else None


def capabilities(spec):
    bad, caps = [], set()
    for c in containers(spec):
        added = (sc(c).get("capabilities") or {}).get("add") or []
        extra = [a for a in added if a not in BASELINE_CAPABILITIES]
        if extra:
            bad.append(c.get("name", ""))
            caps.update(extra)
    if not bad:
        return None
    return ("non-default capabilities",
            f'{plural("container", "containers", len(bad))} {join_quote(bad)} must not include '
            f'{join_quote(sorted(caps))} in securityContext.capabilities.add')


def host_path_volumes(spec):
    bad = [v.get("name", "") for v in spec.get("volumes") or [] if "hostPath" in v]
    if not bad:
        return None
    return ("hostPath volumes", f'{plural("volume", "volumes", len(bad))} {join_quote(bad)}')


def seccomp(spec):
    setters, values = [], set()
    pod_type = ((spec.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
    if pod_type is not None and pod_type not in GOOD_SECCOMP:
        setters.append("pod")
        values.add(pod_type)
    bad = []
    for c in containers(spec):
        t = (sc(c).get("seccompProfile") or {}).get("type")
        if t is not None and t not in GOOD_SECCOMP:
            bad.append(c.get("name", ""))
            values.add(t)
    if bad:
        setters.append(f'{plural("container", "containers", len(bad))} {join_quote(bad)}')
    if not setters:
        return None
    return ("seccompProfile", f'{" and ".join(setters)} must not set '
                              f'securityContext.seccompProfile.type to '
                              f'{join_quote(sorted(values))}')


# Upstream's order: the baseline-only checks, then the ones restricted overlaps.
CHECKS = (host_namespaces, host_ports, privileged, proc_mount, sysctls,
          capabilities, host_path_volumes, seccomp)


def violations(pod):
    spec = pod.get("spec") or {}
    return [v for v in (check(spec) for check in CHECKS) if v]


def admit_pod(namespace_labels, pod):
    """None when the namespace's enforce level allows `pod`, else the refusal's text (without
    the API server's `pods "NAME" is forbidden: ` prefix)."""
    labels = namespace_labels or {}
    level = labels.get(ENFORCE)
    if level not in ("baseline", "restricted"):
        return None
    found = violations(pod)
    if not found:
        return None
    version = labels.get(ENFORCE_VERSION) or "latest"
    details = ", ".join(f"{reason} ({detail})" for reason, detail in found)
    return f'violates PodSecurity "{level}:{version}": {details}'
