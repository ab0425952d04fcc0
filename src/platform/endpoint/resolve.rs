//! The resolution itself (rules in the parent module's docs).

use std::path::{Path, PathBuf};

use super::{parse_host, Endpoint, EndpointError, EndpointFlags, EndpointSource, Resolution};
use super::{DEFAULT_NPIPE_HOST, DEFAULT_UNIX_HOST};
use crate::i18n::{Key, Msg};
use crate::msg;
use crate::platform::context_store::{self, ContextLookup, TlsFiles};
use crate::platform::host::{HostFacts, HostOs};
use crate::platform::hostfs::env_get;
use crate::platform::sockets;

/// Applies the docker CLI's rules (see the module docs) to the host's env and files.
pub(crate) fn resolve_endpoint(
    host: &HostFacts,
    flags: &EndpointFlags,
) -> Result<Resolution, EndpointError> {
    let env = &host.env;
    let config_dir = host.docker_config_dir();
    let mut trail = Vec::new();
    let mut warnings = Vec::new();

    if flags.context.is_some() && flags.host.is_some() {
        return Err(EndpointError::Conflict);
    }
    let docker_host = env_get(env, "DOCKER_HOST");
    let docker_context = env_get(env, "DOCKER_CONTEXT");
    trail.push(match docker_host {
        Some(h) => Msg::verbatim(format!("DOCKER_HOST={h}")),
        None => msg!(Key::LookedNotSet, variable = "DOCKER_HOST"),
    });
    trail.push(match docker_context {
        Some(c) => Msg::verbatim(format!("DOCKER_CONTEXT={c}")),
        None => msg!(Key::LookedNotSet, variable = "DOCKER_CONTEXT"),
    });

    let config = match &config_dir {
        Some(dir) => match context_store::load_docker_config(&host.fs, dir) {
            Ok(c) => c,
            Err(w) => {
                warnings.push(w);
                None
            }
        },
        None => None,
    };

    let named = pick_context(
        flags,
        docker_host,
        docker_context,
        config.as_ref(),
        &config_dir,
        &mut trail,
    );
    let endpoint = choose_endpoint(host, flags, named, docker_host.is_some(), &config_dir)?;
    trail.push(msg!(Key::LookedChose, host = endpoint.host; via => endpoint.source.describe()));

    let mut resolution = Resolution {
        endpoint,
        alternatives: Vec::new(),
        trail,
        warnings,
    };
    if resolution.endpoint_missing(host) {
        let chosen = resolution.endpoint.unix_path().map(Path::to_path_buf);
        resolution.alternatives = sockets::probe_well_known(host, chosen.as_deref());
    }
    Ok(resolution)
}

/// A named context to use (name, source, how it was named), or `None` for a host; exactly like
/// the docker CLI's resolveContextName.
fn pick_context(
    flags: &EndpointFlags,
    docker_host: Option<&str>,
    docker_context: Option<&str>,
    config: Option<&context_store::DockerConfig>,
    config_dir: &Option<PathBuf>,
    trail: &mut Vec<Msg>,
) -> Option<(String, EndpointSource, &'static str)> {
    if let Some(name) = &flags.context {
        Some((
            name.clone(),
            EndpointSource::ContextFlag { name: name.clone() },
            "from --context",
        ))
    } else if flags.host.is_some() || docker_host.is_some() {
        None
    } else if let Some(name) = docker_context {
        let source = EndpointSource::DockerContextEnv {
            name: name.to_string(),
        };
        Some((name.to_string(), source, "from DOCKER_CONTEXT"))
    } else {
        match config.and_then(|c| c.current_context.clone().map(|n| (n, c))) {
            Some((name, c)) => {
                trail.push(msg!(
                    Key::LookedCurrentContext,
                    name = name,
                    path = c.path.display()
                ));
                let source = EndpointSource::CurrentContext {
                    name: name.clone(),
                    config_file: c.path.clone(),
                };
                Some((name, source, "currentContext in config.json"))
            }
            None => {
                trail.push(match config_dir {
                    Some(d) => msg!(
                        Key::LookedNoCurrentContext,
                        path = d.join("config.json").display()
                    ),
                    None => msg!(Key::LookedNoConfigFolder),
                });
                None
            }
        }
    }
}

/// The endpoint for the chosen context, or for `-H`/DOCKER_HOST/the default.
fn choose_endpoint(
    host: &HostFacts,
    flags: &EndpointFlags,
    named: Option<(String, EndpointSource, &str)>,
    docker_host_set: bool,
    config_dir: &Option<PathBuf>,
) -> Result<Endpoint, EndpointError> {
    Ok(match named {
        Some((name, source, from)) if name != "default" => {
            let dir = config_dir.clone().unwrap_or_default();
            context_endpoint(host, &dir, &name, source, from)?
        }
        Some((_, source, _)) => env_endpoint(host, flags, source)?,
        None => {
            let source = if flags.host.is_some() {
                EndpointSource::HostFlag
            } else if docker_host_set {
                EndpointSource::DockerHostEnv
            } else {
                EndpointSource::Default
            };
            env_endpoint(host, flags, source)?
        }
    })
}

/// The endpoint of a stored context.
fn context_endpoint(
    host: &HostFacts,
    config_dir: &Path,
    name: &str,
    source: EndpointSource,
    from: &str,
) -> Result<Endpoint, EndpointError> {
    let meta = match context_store::load_context(&host.fs, config_dir, name) {
        ContextLookup::Found(meta) => meta,
        ContextLookup::Missing { meta_path } => {
            let hint = match source {
                EndpointSource::DockerContextEnv { .. } => ", or unset DOCKER_CONTEXT",
                EndpointSource::CurrentContext { .. } => {
                    ", or switch with `docker context use default`"
                }
                _ => "",
            };
            return Err(EndpointError::ContextNotFound {
                name: name.to_string(),
                from: from.to_string(),
                meta_path,
                hint: hint.to_string(),
            });
        }
        ContextLookup::Invalid { meta_path, reason } => {
            return Err(EndpointError::ContextInvalid {
                name: name.to_string(),
                meta_path,
                reason,
            })
        }
    };
    let Some(url) = meta.host.clone() else {
        return Err(EndpointError::NoDockerEndpoint {
            name: name.to_string(),
            meta_path: meta.meta_path,
        });
    };
    let tls = (!meta.tls.is_empty()).then(|| meta.tls.clone());
    endpoint(
        source,
        url,
        tls,
        meta.skip_tls_verify,
        format!("context \"{name}\""),
    )
}

/// The endpoint of the `default` context: `--host`, `DOCKER_HOST`, or the platform default.
fn env_endpoint(
    host: &HostFacts,
    flags: &EndpointFlags,
    source: EndpointSource,
) -> Result<Endpoint, EndpointError> {
    let env = &host.env;
    let (url, from) = match (&flags.host, env_get(env, "DOCKER_HOST")) {
        (Some(h), _) => (h.clone(), "--host"),
        (None, Some(h)) => (h.to_string(), "DOCKER_HOST"),
        (None, None) if host.os == HostOs::Windows => (DEFAULT_NPIPE_HOST.to_string(), "default"),
        (None, None) => (DEFAULT_UNIX_HOST.to_string(), "default"),
    };
    let tls_verify = env_get(env, "DOCKER_TLS_VERIFY").is_some();
    let cert_path = env_get(env, "DOCKER_CERT_PATH").map(PathBuf::from);
    let tls = if tls_verify || cert_path.is_some() || env_get(env, "DOCKER_TLS").is_some() {
        let dir = cert_path
            .or_else(|| host.docker_config_dir())
            .unwrap_or_default();
        Some(TlsFiles::in_dir(&host.fs, &dir))
    } else {
        None
    };
    endpoint(source, url, tls, !tls_verify, from.to_string())
}

/// The endpoint at `url`; `from` names where the URL came from when it does not parse.
fn endpoint(
    source: EndpointSource,
    url: String,
    tls: Option<TlsFiles>,
    skip_verify: bool,
    from: String,
) -> Result<Endpoint, EndpointError> {
    let kind = parse_host(&url, tls, skip_verify).map_err(|reason| EndpointError::BadHost {
        host: url.clone(),
        from,
        reason,
    })?;
    Ok(Endpoint {
        source,
        host: url,
        kind,
    })
}
