//! The HA load balancer in front of several control planes. (Being written.)

pub fn entrypoint() -> Vec<String> {
    vec!["/bin/sh".to_string()]
}

pub fn command() -> Vec<String> {
    vec!["-c".to_string(), "sleep infinity".to_string()]
}
