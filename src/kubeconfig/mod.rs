//! TEMPORARY interface placeholder (replaced by the real module from wip-kubeconf).
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error("{0}")]
    Other(String),
}
pub struct KubeconfigPaths {
    pub all: Vec<PathBuf>,
    pub target: PathBuf,
}
pub struct Config;
pub fn resolve(_explicit: Option<&Path>) -> Result<KubeconfigPaths, KubeconfigError> {
    unimplemented!()
}
pub fn minik_context_name(cluster: &str) -> String {
    format!("minik-{cluster}")
}
pub fn entry_from_admin(
    _admin: &str,
    _cluster: &str,
    _server: &str,
) -> Result<Config, KubeconfigError> {
    unimplemented!()
}
pub fn to_yaml(_c: &Config) -> Result<String, KubeconfigError> {
    unimplemented!()
}
pub fn merge_into_file(_p: &Path, _c: &Config, _set_current: bool) -> Result<(), KubeconfigError> {
    unimplemented!()
}
pub fn remove_from_files(_p: &[PathBuf], _cluster: &str) -> Result<Vec<PathBuf>, KubeconfigError> {
    unimplemented!()
}
