//! Every keyed line minik shows a learner outside errors: its stable id and its English, with
//! `{name}` for each value. The Korean is in `messages.ko.yaml` by the same id; the tests fail
//! on a key without Korean, a Korean template naming other values, and Korean that leaks
//! English. A line made only of a sentence is a [`super::Msg`] from the sentence itself.

/// Makes [`Key`]: one variant per line, with its id and English template.
macro_rules! message_keys {
    ($($name:ident => $id:literal, $en:literal;)*) => {
        /// A keyed line's id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub(crate) enum Key {
            $($name,)*
        }

        impl Key {
            /// Every key, for the catalog's tests.
            #[cfg(test)]
            pub(crate) const ALL: &'static [Key] = &[$(Key::$name),*];

            /// The stable id the catalogs use.
            pub(crate) fn id(self) -> &'static str {
                match self {
                    $(Key::$name => $id,)*
                }
            }

            /// The English template.
            pub(crate) fn english(self) -> &'static str {
                match self {
                    $(Key::$name => $en,)*
                }
            }
        }
    };
}

message_keys! {
    // --- minik doctor: the engine's rows ---
    EngineFound => "doctor.engine.found", "{product} at {host} ({source})";
    EngineProduct => "doctor.engine.product", "{runtime} {version}";
    EndpointDefault => "doctor.endpoint.default", "default";
    EndpointProbed => "doctor.endpoint.probed", "found {runtime}";
    OsTypeAssumed => "doctor.os-type.assumed", "OSType linux (assumed)";
    ArchEngineOnly => "doctor.arch.engine-only", "engine architecture {arch}";
    ArchFound => "doctor.arch.found", "engine {engine}; node image linux/{node}";
    ArchRosetta => "doctor.arch.rosetta", "{found}; this minik binary is amd64 (running under Rosetta)";
    StorageOn => "doctor.storage.on", "{driver} on {fs}";
    StorageSnapshotter => "doctor.storage.snapshotter", "{found} (containerd image store)";
    ProxyEngineOnly => "doctor.proxy.engine-only", "the engine uses proxy {proxy}, but none is set here";
    ProxyExport => "doctor.proxy.export", "export HTTPS_PROXY={proxy} HTTP_PROXY={proxy} NO_PROXY=localhost,127.0.0.1 before minik create";
    ProxyFromDockerConfig => "doctor.proxy.from-docker-config", "proxies.{key} in the docker config.json";
    ProxyFromEnvironment => "doctor.proxy.from-environment", "the environment";
    ProxyFound => "doctor.proxy.found", "{proxy} (from {from}); NO_PROXY: {no_proxy}";
    Unset => "doctor.unset", "(unset)";
    // --- minik doctor: memory, CPUs, inotify ---
    MemoryFound => "doctor.memory.found", "{have} in the engine; {nodes} node(s) need {need} (2 GiB + 1 GiB per node)";
    MemoryTooLittle => "doctor.memory.too-little", "{why}; below {min} nodes get killed or never become Ready";
    MemoryTight => "doctor.memory.tight", "{why}; the cluster will be tight";
    CpusFound => "doctor.cpus.found", "{have} CPU(s) in the engine; {nodes} node(s) want {want}";
    InotifyWhy => "doctor.inotify.why", "every node's kubelet and containerd watch files and the limits are shared by all {nodes} node(s); below {watches} watches / {instances} instances multi-node clusters fail with \"too many open files\"";
    InotifyWslconfig => "doctor.inotify.wslconfig", "to make it permanent: add under [wsl2] in %UserProfile%\\.wslconfig: kernelCommandLine = sysctl.fs.inotify.max_user_watches={watches} sysctl.fs.inotify.max_user_instances={instances}";
    InotifyVmRaises => "doctor.inotify.vm-raises", "inside the {vm} VM: minik raises them to {watches} / {instances} before creating nodes";
    InotifyInVm => "doctor.inotify.in-vm", "{found} in the {vm} VM; minik raises them before creating nodes";
    InotifyUnknownRemote => "doctor.inotify.unknown-remote", "unknown (remote engine)";
    InotifyUnreadable => "doctor.inotify.unreadable", "unknown (could not read /proc/sys/fs/inotify)";
    OnEnginesMachine => "doctor.on-engines-machine", "on the engine's machine: {fix}";
    InotifySysctl => "doctor.inotify.sysctl", "sudo sysctl -w fs.inotify.max_user_watches={watches} fs.inotify.max_user_instances={instances}; to keep it after reboot: printf 'fs.inotify.max_user_watches = {watches}\\nfs.inotify.max_user_instances = {instances}\\n' | sudo tee /etc/sysctl.d/99-minik-inotify.conf";
    InotifySysctlWsl => "doctor.inotify.sysctl-wsl", "sudo sysctl -w fs.inotify.max_user_watches={watches} fs.inotify.max_user_instances={instances}; to keep it after reboot: printf 'fs.inotify.max_user_watches = {watches}\\nfs.inotify.max_user_instances = {instances}\\n' | sudo tee /etc/sysctl.d/99-minik-inotify.conf (WSL applies /etc/sysctl.d only with systemd enabled; otherwise add under [wsl2] in %UserProfile%\\.wslconfig: kernelCommandLine = sysctl.fs.inotify.max_user_watches={watches} sysctl.fs.inotify.max_user_instances={instances})";
    ResourcesRemote => "doctor.resources.remote", "give the engine's machine at least {mem} GB and {cpus} CPUs, or create fewer nodes";
    ResourcesWslconfig => "doctor.resources.wslconfig", "in %UserProfile%\\.wslconfig under [wsl2] set memory={mem}GB and processors={cpus}, then run `wsl --shutdown` in PowerShell";
    ResourcesWslconfigDesktop => "doctor.resources.wslconfig-desktop", "in %UserProfile%\\.wslconfig under [wsl2] set memory={mem}GB and processors={cpus}, then run `wsl --shutdown` in PowerShell and restart Docker Desktop";
    ResourcesDesktop => "doctor.resources.desktop", "Docker Desktop → Settings → Resources → Advanced: set Memory limit to at least {mem} GB and CPU limit to at least {cpus}, then Apply & restart";
    ResourcesRancher => "doctor.resources.rancher", "Rancher Desktop → Preferences → Virtual Machine: set Memory to at least {mem} GB and CPUs to at least {cpus}";
    ResourcesOrbStack => "doctor.resources.orbstack", "OrbStack → Settings → System: raise the memory limit to at least {mem} GB and the CPU limit to at least {cpus}";
    // --- minik doctor: cgroups, rootless, WSL ---
    CgroupHybrid => "doctor.cgroup.hybrid", "hybrid: cgroup v1 controllers plus cgroup2 at /sys/fs/cgroup/unified";
    CgroupDriver => "doctor.cgroup.driver", "{found}, driver {driver}";
    CgroupCannotApply => "doctor.cgroup.cannot-apply", "{found}; the engine cannot apply {flags}";
    CgroupUpdateVm => "doctor.cgroup.update-vm", "update {vm}; current versions use cgroup v2";
    RootlessControllers => "doctor.rootless.controllers", "a rootless engine needs the {controllers} cgroup controller(s) delegated to your user";
    RootlessDelegated => "doctor.rootless.delegated", "{found} (delegated now: {controllers})";
    RootlessDelegatedNone => "doctor.rootless.delegated-none", "{found} (delegated now: none)";
    WslKernel => "doctor.wsl.kernel", "WSL 2 kernel {kernel}";
    // --- minik doctor --workshop: ports and kubectl ---
    PortsInUse => "doctor.ports.in-use", "{ports} already in use";
    PortsStopListener => "doctor.ports.stop-listener", "stop what listens there (`{who}` names it; often a local web server or another cluster: `minik get clusters`), or ask the organiser for other ports";
    PortsRemote => "doctor.ports.remote", "{ports} (on the engine's machine: checked when the cluster is created)";
    PortsUnknown => "doctor.ports.unknown", "{ports}: not known (this user may not bind ports below 1024, and a connect got no answer)";
    PortsLookUp => "doctor.ports.look-up", "`{who}` shows whether something listens there; stop it if so";
    PortsFree => "doctor.ports.free", "{ports} free";
    PortsOwned => "doctor.ports.owned", "{ports} held by your minik cluster `{cluster}`: this is your cluster (to make the workshop's cluster again, run `{delete}` first)";
    PortsRootless => "doctor.ports.rootless", "{ports} free, but a rootless engine cannot publish ports below {start}";
    PortsRootlessFix => "doctor.ports.rootless-fix", "sudo sysctl net.ipv4.ip_unprivileged_port_start={lowest}; to keep it: echo 'net.ipv4.ip_unprivileged_port_start = {lowest}' | sudo tee /etc/sysctl.d/99-minik-ports.conf";
    KubectlInstallWindows => "doctor.kubectl.install-windows", "`curl.exe -LO {url}` and put kubectl.exe in a folder on your PATH (or `winget install -e --id Kubernetes.kubectl` for the newest)";
    KubectlInstallMacos => "doctor.kubectl.install-macos", "`curl -LO {url}; chmod +x kubectl; sudo mkdir -p /usr/local/bin; sudo mv kubectl /usr/local/bin/` (or `brew install kubectl` for the newest)";
    KubectlInstall => "doctor.kubectl.install", "install it: {install}; without the internet, `minik kubectl -- get nodes` runs the cluster's own kubectl (any kubectl command after `--`)";
    KubectlWithin => "doctor.kubectl.within", "{client}, within one minor version of the cluster's {server}";
    KubectlSkewed => "doctor.kubectl.skewed", "{client}, more than one minor version from the cluster's {server}";
    KubectlInstallVersion => "doctor.kubectl.install-version", "install kubectl {server}: {install}; without the internet, `minik kubectl -- get nodes` runs the cluster's own kubectl (any kubectl command after `--`)";
    KubectlUnknownVersion => "doctor.kubectl.unknown-version", "{client} (not a version minik can compare with {server})";
    KubectlIfMisbehaves => "doctor.kubectl.if-misbehaves", "if kubectl misbehaves, install {server}: {install}; without the internet, `minik kubectl -- get nodes` runs the cluster's own kubectl (any kubectl command after `--`)";
    // --- minik doctor --workshop: disk, VPN and DNS ---
    DiskWhy => "doctor.disk.why", "{image} for the node image still to load, {node} per node, {exercises} for the exercises' images";
    DiskNotMeasured => "doctor.disk.not-measured", "not measured (the engine is on another machine); needs {need}";
    DiskRemoteFix => "doctor.disk.remote-fix", "make sure the engine's machine has {need} free";
    DiskFound => "doctor.disk.found", "{free} free at {path}; needs {need}";
    DiskFix => "doctor.disk.fix", "free {free} at {path}: remove unused images and stopped containers (`docker system df` shows what takes the space; `docker image prune` removes dangling images)";
    DiskFixVm => "doctor.disk.fix-vm", "free {free} at {path}: remove unused images and stopped containers (`docker system df` shows what takes the space; `docker image prune` removes dangling images), or raise the disk limit of {vm} (its settings)";
    VpnDisconnectWsl => "doctor.vpn.disconnect-wsl", "disconnect the VPN for the workshop (or ask its admin to allow local networks), then create the cluster again; under WSL 2 also set networkingMode=mirrored and dnsTunneling=true under [wsl2] in %UserProfile%\\.wslconfig, then run `wsl --shutdown`";
    VpnDns => "doctor.vpn.dns", "{found}; DNS {servers}";
    VpnUp => "doctor.vpn.up", "VPN interface(s) up: {interfaces}";
    VpnNone => "doctor.vpn.none", "no VPN interface up";
    BundleFetchAgain => "doctor.bundle.fetch-again", "copy or fetch {path} again";
    BundleCarries => "doctor.bundle.carries", "the bundle carries {has}; this engine is {engine}";
    BundleAskOrganiser => "doctor.bundle.ask-organiser", "ask the organiser for a bundle made with --platform {engine} (or --platform linux/amd64,linux/arm64)";
    // --- minik init: questions and what it says ---
    InitChecking => "init.checking", "Checking this machine first (the same checks as `minik doctor`):";
    InitWriteAnyway => "init.write-anyway", "Some checks failed (each says how to fix it). Write a config anyway?";
    InitName => "init.name", "Cluster name";
    InitNodes => "init.nodes", "Nodes in all";
    InitNodesRoom => "init.nodes-room", "Nodes in all (this machine holds {most}: {cpus} CPUs, {mem} in the engine)";
    InitControlPlanes => "init.control-planes", "Control planes among them (3 makes the control plane highly available)";
    InitVersion => "init.version", "Kubernetes version";
    InitVersionHere => "init.version-here", "{version}  ({image}, already here)";
    InitImageHere => "init.image-here", "{image}  (already here)";
    InitVersionDefault => "init.version-default", "{version}  (minik's default; downloaded when the cluster is made)";
    InitPorts => "init.ports", "Ports to publish for an ingress (HOST:CONTAINER, comma-separated; - for none)";
    InitMount => "init.mount", "A folder to mount at {path} in the nodes (- for none)";
    InitOutput => "init.output", "Write the config to";
    InitOutputExists => "init.output-exists", "{path} exists: type another name (or rerun with --force to replace it)";
    InitRange => "init.range", "type a number from {low} to {high}";
    InitCreateNow => "init.create-now", "Create the cluster now? (the file is written either way)";
    InitNoTerminal => "init.no-terminal", "No terminal, so no questions: minik init took every default. The same, as flags:\n{command}";
    InitProblems => "init.problems", "this machine's checks found problems:\n{doctor}";
    NotAPort => "init.not-a-port", "{value} is not a port to publish: use PORT, HOST:CONTAINER or ADDRESS:HOST:CONTAINER (for example 80, 8080:80 or 0.0.0.0:80:80)";
    NotAFolderHere => "init.not-a-folder", "{path} is not a folder on this machine";
    ConfigHeader => "init.file.header", "A minik cluster, written by `minik init`. Make it with:";
    ConfigSettings => "init.file.settings", "Every setting: docs/config.md. Edit freely; minik checks it when it reads it.";
    ConfigNodes => "init.file.nodes", "{nodes} node(s): {control_planes} control plane(s) run the API server, etcd and the scheduler;\nworkers run your pods.";
    ConfigIngressLabel => "init.file.ingress-label", "Ingress controllers made for kind run on the node with this label.";
    ConfigPorts => "init.file.ports", "This machine's ports, forwarded to the node (an ingress answers on 80/443).";
    ConfigMount => "init.file.mount", "A folder of this machine, at {path} in the node (use a hostPath volume).";
    NameEmpty => "init.name-empty", "cluster name is empty";
    NameTooLong => "init.name-too-long", "cluster name {name} is {len} characters long; the limit is {max}";
    NameInvalid => "init.name-invalid", "cluster name {name} is not valid: use lowercase letters, digits and '-', starting and ending with a letter or digit";
    PromptInitFallback => "prompt.init-fallback", "run `minik init --help` to give every answer as a flag";
    PromptTourFallback => "prompt.tour-fallback", "run minik create --nodes 3, then minik tour";
    PromptCreateFallback => "prompt.create-fallback", "pass --yes to create without asking";
    InitWrote => "init.wrote", "Wrote {path}. Make the cluster with:\n{command}";
    // --- the engines, as minik names them ---
    FlavourDesktopHyperV => "flavour.desktop-hyperv", "Docker Desktop (Windows, Hyper-V backend)";
    FlavourDesktopWsl2 => "flavour.desktop-wsl2", "Docker Desktop (Windows, WSL 2 backend)";
    FlavourPodmanRootless => "flavour.podman-rootless", "Podman (rootless)";
    FlavourRootlessDocker => "flavour.rootless-docker", "rootless Docker";
    FlavourDockerInWsl2 => "flavour.docker-in-wsl2", "Docker Engine inside WSL 2";
    EngineUnreachable => "flavour.unreachable", "unreachable";
    // --- where minik looked for the engine, and what to do when none answers ---
    Then => "then", "{first}; {rest}";
    LookedNotSet => "looked.not-set", "{variable} is not set";
    LookedChose => "looked.chose", "chose {host} via {via}";
    LookedCurrentContext => "looked.current-context", "currentContext is \"{name}\" in {path}";
    LookedNoCurrentContext => "looked.no-current-context", "no currentContext in {path}";
    LookedNoConfigFolder => "looked.no-config-folder", "no docker config folder (HOME is not set)";
    LookedFound => "looked.found", "found {runtime} at {host}";
    LookedNoOtherSocket => "looked.no-other-socket", "no other engine socket found (Docker Desktop, Colima, OrbStack, Rancher Desktop, Podman, rootless Docker)";
    SourceContext => "source.context", "context \"{name}\" from {from}";
    SourceCurrentContext => "source.current-context", "context \"{name}\" (currentContext in {path})";
    SourceDefault => "source.default", "the default endpoint";
    SourceProbed => "source.probed", "the {runtime} socket (probed)";
    UnreachableNoSocket => "unreachable.no-socket", "the socket does not exist";
    UnreachableHeadline => "unreachable.headline", "cannot reach the container engine at {host}: {detail}";
    UnreachableUse => "unreachable.use", "to use {runtime}: {fix}";
    UnreachableUseOneOf => "unreachable.use-one-of", "to use {runtime}: {fix} (or another engine listed above)";
    UnreachableTls => "unreachable.tls", "the TLS handshake with {endpoint} failed: check DOCKER_CERT_PATH (or the context's TLS files) holds this engine's ca.pem, cert.pem and key.pem, and that its certificate names the host you connect to";
    UnreachableRemote => "unreachable.remote", "check that the engine at {endpoint} is running and reachable from here (VPN, firewall, TLS files in DOCKER_CERT_PATH), or unset DOCKER_HOST / choose another context";
    UnreachablePermissionLinux => "unreachable.permission-linux", "you may not open this socket: add yourself to the docker group (sudo usermod -aG docker $USER, then log out and back in, or run: newgrp docker); with rootless Docker use its socket: DOCKER_HOST=unix://$XDG_RUNTIME_DIR/docker.sock";
    UnreachablePermissionWindows => "unreachable.permission-windows", "you may not open Docker Desktop's pipe: add your user to the docker-users group (Computer Management → Local Users and Groups), sign out and back in";
    UnreachablePermissionMacos => "unreachable.permission-macos", "you may not open this socket: restart Docker Desktop (it recreates the socket for your user); if it persists, check the socket's owner with ls -l";
    UnreachableRefusedLinux => "unreachable.refused-linux", "the socket exists but no engine answers on it: start it with sudo systemctl start docker (rootless Docker: systemctl --user start docker)";
    UnreachablePermission => "unreachable.permission", "restart the engine; if it persists, check the socket's owner and permissions";
    UnreachableTimeout => "unreachable.timeout", "the engine did not answer in time: Docker Desktop may be starting or in Resource Saver mode; wait a moment and retry, or restart it";
    UnreachableStartMacos => "unreachable.start-macos", "start your engine: open Docker Desktop (or run colima start, or open OrbStack or Rancher Desktop) and wait until it is running";
    UnreachableStartWindows => "unreachable.start-windows", "start Docker Desktop and wait until it says \"Engine running\" (in Linux containers mode)";
    UnreachableStartWsl => "unreachable.start-wsl", "start Docker Desktop on Windows and enable Settings → Resources → WSL integration for this distro, or start Docker Engine here: sudo service docker start";
    UnreachableStartLinux => "unreachable.start-linux", "start the engine: sudo systemctl start docker (rootless Docker: systemctl --user start docker)";
    SshAuthentication => "ssh.authentication", "make `{ssh} docker version` work without a prompt: your key in ssh-agent (ssh-add) or IdentityFile in ~/.ssh/config, and the host key in known_hosts (connect once with ssh to accept it)";
    SshNoDocker => "ssh.no-docker", "install Docker on that machine, or put `docker` on the PATH of a non-interactive ssh session there (check with `ssh HOST docker version`)";
    SshCouldNotConnect => "ssh.could-not-connect", "check the host name and port (and your ~/.ssh/config for it), and that an ssh server runs there and is reachable from here";
    SshNoClient => "ssh.no-client", "install the OpenSSH client (ssh), which minik runs to reach ssh:// engines";
    SshCheck => "ssh.check", "check that Docker runs on that machine and that `{ssh} docker version` works";
}
