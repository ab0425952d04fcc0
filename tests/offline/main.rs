//! Every integration test that runs without a container engine, in one binary: the create and
//! load flows against the shared fake engine (tests/common/fake.rs), hostile input against the
//! minik binary, and the CLI's help and bad-input snapshots (tests/golden/cli). `cargo test
//! --test offline` is the whole set, on any machine.

#[path = "../common/mod.rs"]
mod common;

mod bundle_flow;
mod bundle_hostile;
mod bundle_serve;
mod cli_snapshots;
mod create_pipeline;
mod engine_flows;
mod hostile_input;
mod init_file;
mod korean_output;
mod load_flow;
mod ssh_children;
mod tour_labs;
