//! Tables on stdout, in kubectl's look: left-aligned columns separated by three spaces; and
//! the tables `minik get` prints.

use crate::cluster::ClusterSummary;
use crate::provider::NodeInfo;
use crate::text::escape_controls;

/// `minik get clusters`.
pub(crate) fn clusters_table(list: &[ClusterSummary]) -> String {
    let mut rows = vec![vec![
        "NAME".to_string(),
        "NODES".into(),
        "CONTROL-PLANES".into(),
        "STATUS".into(),
    ]];
    for c in list {
        rows.push(vec![
            c.name.clone(),
            c.nodes.to_string(),
            c.control_planes.to_string(),
            c.status.clone(),
        ]);
    }
    table(&rows)
}

/// `minik get nodes`.
pub(crate) fn nodes_table(nodes: &[NodeInfo]) -> String {
    let mut rows = vec![vec![
        "NAME".to_string(),
        "ROLE".into(),
        "STATUS".into(),
        "IP".into(),
        "IMAGE".into(),
    ]];
    for n in nodes {
        rows.push(vec![
            n.name.clone(),
            n.role.to_string(),
            n.state.to_string(),
            n.ipv4
                .clone()
                .or(n.ipv6.clone())
                .unwrap_or_else(|| "-".into()),
            n.image.split('@').next().unwrap_or(&n.image).to_string(),
        ]);
    }
    table(&rows)
}

/// The cells come from the engine (names, images), so each has its control characters
/// escaped: no escape sequence or line break reaches the terminal.
pub(crate) fn table(rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape_controls(c).into_owned()).collect())
        .collect();
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i + 1 == r.len() {
                    cell.clone()
                } else {
                    format!("{cell:<w$}", w = widths[i])
                }
            })
            .collect();
        s.push_str(line.join("   ").trim_end());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::table;

    #[test]
    fn aligns_columns() {
        let rows = vec![
            vec!["NAME".to_string(), "NODES".to_string()],
            vec!["a-long-name".to_string(), "3".to_string()],
        ];
        assert_eq!(table(&rows), "NAME          NODES\na-long-name   3\n");
    }

    #[test]
    fn cells_from_the_engine_cannot_drive_the_terminal() {
        let rows = vec![vec!["evil\u{1b}[2J\nname".to_string(), "1".to_string()]];
        assert_eq!(table(&rows), "evil\\u{1b}[2J\\u{a}name   1\n");
    }
}
