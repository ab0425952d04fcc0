//! The cluster-name rule, the only copy of it. A node's container name is the cluster name plus
//! a role suffix, and it is the node's hostname, DNS name and Kubernetes node name, so the
//! cluster name must leave room for the longest suffix inside a 63-character DNS label.
//! Flags and config files both use it; config validation only adds where in the file it was.

/// The longest suffix a node name adds to the cluster name (`cluster::naming` makes it).
pub(crate) const LONGEST_NODE_SUFFIX: &str = "-external-load-balancer";

/// Longest cluster name whose every node name still fits a 63-character DNS label.
pub(crate) const MAX_CLUSTER_NAME: usize = 63 - LONGEST_NODE_SUFFIX.len();

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("cluster name is empty")]
    Empty,
    #[error(
        "cluster name {} is {len} characters long; the limit is {max}",
        crate::text::quoted(name)
    )]
    TooLong {
        name: String,
        len: usize,
        max: usize,
    },
    #[error(
        "cluster name {} is not valid: use lowercase letters, digits and '-', starting and ending with a letter or digit",
        crate::text::quoted(.0)
    )]
    Invalid(String, BadPart),
}

/// What makes a name of the right length invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadPart {
    /// The first character outside lowercase letters, digits and '-'.
    Char(char),
    /// It starts or ends with '-'.
    Ends,
}

impl NameError {
    /// The name that was refused ("" when it was empty).
    pub fn name(&self) -> &str {
        match self {
            NameError::Empty => "",
            NameError::TooLong { name, .. } | NameError::Invalid(name, _) => name,
        }
    }

    /// The error as a line in every language minik speaks.
    pub(crate) fn msg(&self) -> crate::i18n::Msg {
        use crate::i18n::Key;
        let name = crate::text::quoted(self.name());
        match self {
            NameError::Empty => crate::msg!(Key::NameEmpty),
            NameError::TooLong { len, max, .. } => {
                crate::msg!(Key::NameTooLong, name = name, len = len, max = max)
            }
            NameError::Invalid(..) => crate::msg!(Key::NameInvalid, name = name),
        }
    }

    /// The problem alone, for messages that name the cluster themselves (config files).
    pub fn problem(&self) -> String {
        match self {
            NameError::Empty => "it is empty".into(),
            NameError::TooLong { len, max, .. } => {
                format!("it is {len} characters long, the limit is {max}")
            }
            NameError::Invalid(_, BadPart::Char(c)) => format!("{c:?} is not allowed"),
            NameError::Invalid(_, BadPart::Ends) => {
                "it must start and end with a letter or digit".into()
            }
        }
    }
}

impl crate::hint::Hint for NameError {
    fn hint(&self) -> Option<String> {
        Some(format!("for example: --name {}", suggest_name(self.name())))
    }
}

pub(crate) fn validate_cluster_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_CLUSTER_NAME {
        return Err(NameError::TooLong {
            name: name.to_string(),
            len: name.len(),
            max: MAX_CLUSTER_NAME,
        });
    }
    let ok_char = |c: &char| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-';
    if let Some(c) = name.chars().find(|c| !ok_char(c)) {
        return Err(NameError::Invalid(name.to_string(), BadPart::Char(c)));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(NameError::Invalid(name.to_string(), BadPart::Ends));
    }
    Ok(())
}

/// A suggestion for a name that failed validation (lowercased, bad characters replaced).
pub(crate) fn suggest_name(name: &str) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s = s.trim_matches('-').to_string();
    s.truncate(MAX_CLUSTER_NAME);
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() {
        super::DEFAULT_CLUSTER_NAME.to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_problem_names_the_first_bad_part() {
        let problem = |n: &str| validate_cluster_name(n).unwrap_err().problem();
        assert_eq!(problem(""), "it is empty");
        assert_eq!(problem("My_Cluster"), "'M' is not allowed");
        assert_eq!(
            problem("-lead"),
            "it must start and end with a letter or digit"
        );
        assert_eq!(
            problem(&"a".repeat(41)),
            "it is 41 characters long, the limit is 40"
        );
    }

    #[test]
    fn the_hint_suggests_a_valid_name() {
        use crate::hint::Hint;
        let hint = |n: &str| validate_cluster_name(n).unwrap_err().hint();
        assert_eq!(
            hint("My_Lab").as_deref(),
            Some("for example: --name my-lab")
        );
        assert_eq!(hint("").as_deref(), Some("for example: --name minik"));
    }
}
