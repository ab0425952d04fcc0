//! The surface minik's integration tests (tests/) drive besides the engine seam (`provider`)
//! and progress events (`events`). Everything else in the library is crate-private, so the
//! `unreachable_pub` lint reports any `pub` item nothing outside the crate can use; a test that
//! needs more adds a re-export here, where the whole outside view stays readable in one file.

/// Bundles: making, reading, verifying, serving and fetching them.
pub mod bundle {
    pub use crate::bundle::{
        create, load_until, serve, Bundle, BundleDigest, BundleError, CreateBundle, FromBundle,
        Loaded, Manifest, PartKind, Pin, ServeLimits, Trust,
    };
    /// The on-disk layout, for tests that write hostile bundles byte by byte.
    pub mod format {
        pub use crate::bundle::format::{
            header, hex, Manifest, Part, PartKind, BLOCK, FORMAT, MANIFEST_NAME, MANIFEST_SLOT,
        };
    }
    /// Downloads from `minik bundle serve`.
    pub mod fetch {
        pub use crate::bundle::fetch::{bundle_url, download, Limits};
    }
}

/// Cluster use cases the flow tests run on the fake engine.
pub mod cluster {
    pub use crate::cluster::ClusterError;
    pub mod create {
        pub use crate::cluster::create::{create, CreateOptions, NodeExtras};
    }
    pub mod kubeconfig {
        pub use crate::cluster::kubeconfig::{export, get};
    }
    pub mod load {
        pub use crate::cluster::load::*;
    }
    pub mod loadbalancer {
        pub use crate::cluster::loadbalancer::DEDICATED_IMAGE;
    }
    pub mod logs {
        pub use crate::cluster::logs::{archive_entries, archive_file};
    }
}

/// Cluster configuration files.
pub mod config {
    pub use crate::config::{ClusterConfig, LoadedConfig};
}

/// The minik error the binary renders, for tests that check its text.
pub mod error {
    pub use crate::error::Error;
}

/// Commands run in a node.
pub mod node {
    pub use crate::node::run;
}

/// Labs and the tour.
pub mod tour {
    pub use crate::tour::find_lab;
}
