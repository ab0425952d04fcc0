//! The fixture of every end-to-end test: a cluster name unique to this run, a private HOME and
//! KUBECONFIG (so no test reads or writes the user's), and the cluster's containers, volumes
//! and temp files removed when the fixture is dropped, whether the test passed or panicked.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::network::NetworkTurn;
use super::{unique, Cleanup};

pub(crate) struct TestCluster {
    /// The cluster's name: `<prefix>-<unique suffix>`.
    pub name: String,
    /// `$HOME/config`, the only kubeconfig minik and kubectl see.
    pub kubeconfig: PathBuf,
    // Dropped in this order: the containers first, then the directory, then the turn on the
    // network (after its nodes are gone).
    cleanups: Vec<Cleanup>,
    home: tempfile::TempDir,
    _turn: NetworkTurn,
}

impl TestCluster {
    /// A fresh name from `prefix` (nothing is created yet) and an empty private HOME.
    pub(crate) fn new(prefix: &str) -> TestCluster {
        Self::with_turn(prefix, NetworkTurn::shared())
    }

    /// The same, for a test whose node addresses no other test may take while it runs (see
    /// `network`).
    pub(crate) fn alone(prefix: &str) -> TestCluster {
        Self::with_turn(prefix, NetworkTurn::alone())
    }

    fn with_turn(prefix: &str, turn: NetworkTurn) -> TestCluster {
        let home = tempfile::tempdir().expect("temp HOME");
        let name = unique(prefix);
        TestCluster {
            kubeconfig: home.path().join("config"),
            cleanups: vec![Cleanup(name.clone())],
            name,
            home,
            _turn: turn,
        }
    }

    /// Another cluster name from `prefix`, sharing this HOME and KUBECONFIG (two clusters in
    /// one kubeconfig), removed with this fixture.
    pub(crate) fn another(&mut self, prefix: &str) -> String {
        let name = unique(prefix);
        self.cleanups.push(Cleanup(name.clone()));
        name
    }

    pub(crate) fn home(&self) -> &Path {
        self.home.path()
    }

    /// The environment every minik call of this test gets: KUBECONFIG and HOME.
    pub(crate) fn env(&self) -> [(&'static str, &str); 2] {
        [
            (
                "KUBECONFIG",
                self.kubeconfig.to_str().expect("UTF-8 temp path"),
            ),
            ("HOME", self.home().to_str().expect("UTF-8 temp path")),
        ]
    }

    /// Run minik with this fixture's environment.
    pub(crate) fn minik(&self, args: &[&str]) -> Output {
        super::minik(args, &self.env())
    }

    /// Run the real kubectl against this fixture's kubeconfig.
    pub(crate) fn kubectl(&self, args: &[&str]) -> Output {
        super::kubectl(&self.kubeconfig, args)
    }
}
