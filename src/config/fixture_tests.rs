//! Table tests over tests/fixtures/config: valid-*.yaml must load, invalid-*.yaml must fail as their .expected says.
