//! Engine errors in minik's terms: the engine's own message, and the calls whose "not found"
//! or "conflict" mean something to the caller.

use bollard::errors::Error as BollardError;

use crate::provider::{EngineCall, ProviderError};

/// The engine's own message when it sent one, else bollard's description.
pub(crate) fn describe(e: &BollardError) -> String {
    match e {
        BollardError::DockerResponseServerError { message, .. } => message.trim().to_string(),
        other => other.to_string(),
    }
}

pub(crate) fn status_code(e: &BollardError) -> Option<u16> {
    match e {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

pub(crate) fn api_error(call: EngineCall, target: &str, e: BollardError) -> ProviderError {
    match status_code(&e) {
        Some(404) if call.is_about_a_container() => ProviderError::NotFound(target.to_string()),
        Some(409) if call == EngineCall::ContainerCreate => {
            ProviderError::AlreadyExists(target.to_string())
        }
        _ => ProviderError::Api {
            call,
            target: target.to_string(),
            message: describe(&e),
        },
    }
}
