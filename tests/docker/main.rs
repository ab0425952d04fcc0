//! Every test that needs the real Docker engine and `minik/node:test` (tests/e2e/prepare.sh
//! builds it), in one binary so the library is linked once. They fail, never skip, without an
//! engine. Run them with `cargo test --test docker`; one group with `cargo test --test docker
//! e2e_nodes::`. A new group is one file here and one `mod` line below.

#[path = "../common/mod.rs"]
mod common;

mod docker_nodes;
mod doctor;
mod e2e_bundle;
mod e2e_bundle_arch;
mod e2e_cluster;
mod e2e_config;
mod e2e_containerd;
mod e2e_control_plane;
mod e2e_docs;
mod e2e_frozen;
mod e2e_ha;
mod e2e_ipv6;
mod e2e_kubeconfig;
mod e2e_kubectl;
mod e2e_lifecycle;
mod e2e_load;
mod e2e_nodes;
mod e2e_offline_images;
mod e2e_parity;
mod e2e_pods;
mod e2e_reach;
mod e2e_remote;
mod e2e_rollout;
mod e2e_scheduling;
mod e2e_signals;
mod e2e_state;
mod e2e_tour;
mod e2e_tour_node_actions;
mod e2e_ui;
mod e2e_ui_detail;
mod e2e_ui_tour;
mod e2e_versions;
mod init;
