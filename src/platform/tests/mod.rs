//! Tests over whole machines: fixture cases (`tests/fixtures/platform/<case>`) and a fake HOME.

mod cases_desktop;
mod cases_linux;
mod endpoint_store;
mod fits;
mod fixtures;
mod korean;
mod probing;
mod workshop;

#[test]
#[ignore = "prints every case for review"]
fn print_all_cases() {
    for name in [
        "dd-mac-intel",
        "dd-win-wsl2",
        "wsl-docker-ce",
        "rootless-docker",
        "native-cgroup-v2",
        "this-machine",
    ] {
        let (_, _, env) = fixtures::environment(name);
        let req = crate::platform::Request::new(3);
        println!(
            "=== {name}: {}\n{}",
            env.flavour.label(),
            crate::ui::doctor_text(&crate::platform::checks(&env, &req))
        );
        for n in crate::platform::plan_adjustments(&env, &req).notes() {
            println!("  - {n}");
        }
    }
}
