//! The trail drawn as SVG on the server: one column per step (sources left, products right), one
//! box per code, one curve per transformation labelled with its share. Scales to the screen's
//! width (`viewBox`), so a phone shows it whole.

use std::collections::BTreeMap;

use super::Trail;

const BOX_WIDTH: i32 = 260;
const BOX_HEIGHT: i32 = 84;
const COLUMN_GAP: i32 = 70;
const ROW_GAP: i32 = 24;
const PADDING: i32 = 10;
/// Characters of an origin line that fit a box.
const ORIGIN_CHARS: usize = 42;

/// Text safe inside SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(chars.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The drawing of `trail`.
pub fn draw(trail: &Trail) -> String {
    let mut columns: BTreeMap<i32, Vec<&super::TrailNode>> = BTreeMap::new();
    for node in &trail.nodes {
        columns.entry(node.depth).or_default().push(node);
    }
    let first = columns.keys().next().copied().unwrap_or_default();
    let mut at: BTreeMap<&str, (i32, i32)> = BTreeMap::new();
    let mut rows_max = 1;
    for (depth, nodes) in &columns {
        let x = PADDING + (depth - first) * (BOX_WIDTH + COLUMN_GAP);
        for (row, node) in nodes.iter().enumerate() {
            let row = i32::try_from(row).unwrap_or(i32::MAX / 2);
            at.insert(
                &node.codigo_origen,
                (x, PADDING + row * (BOX_HEIGHT + ROW_GAP)),
            );
            rows_max = rows_max.max(row + 1);
        }
    }
    let width = 2 * PADDING
        + i32::try_from(columns.len()).unwrap_or(1).max(1) * (BOX_WIDTH + COLUMN_GAP)
        - COLUMN_GAP;
    let height = 2 * PADDING + rows_max * (BOX_HEIGHT + ROW_GAP) - ROW_GAP;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="Trazabilidad del código {}" font-family="sans-serif" font-size="12">"##,
        escape(&trail.codigo_origen)
    );
    for edge in &trail.edges {
        let (Some(&(x1, y1)), Some(&(x2, y2))) =
            (at.get(edge.from.as_str()), at.get(edge.to.as_str()))
        else {
            continue;
        };
        let (sx, sy) = (x1 + BOX_WIDTH, y1 + BOX_HEIGHT / 2);
        let (ex, ey) = (x2, y2 + BOX_HEIGHT / 2);
        let mid = (sx + ex) / 2;
        svg.push_str(&format!(
            r##"<path d="M{sx},{sy} C{mid},{sy} {mid},{ey} {ex},{ey}" fill="none" stroke="#8a6d1d" stroke-width="2"/><text x="{mid}" y="{}" text-anchor="middle" fill="#5b4712">{}</text>"##,
            (sy + ey) / 2 - 4,
            escape(&format!("{} · {}", edge.process, edge.share))
        ));
    }
    for node in &trail.nodes {
        let Some(&(x, y)) = at.get(node.codigo_origen.as_str()) else {
            continue;
        };
        let focus = node.codigo_origen == trail.codigo_origen;
        // The origin in two lines: what it is, and whose ("Título minero T1" / "MINERA …").
        let (what, whose) = node.origin.split_once(" · ").unwrap_or((&node.origin, ""));
        svg.push_str(&format!(
            r##"<g><title>{}</title><rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6" fill="{}" stroke="#2f3b4c" stroke-width="{}"/><text x="{}" y="{}" font-weight="bold">{} · {}</text><text x="{}" y="{}" fill="#444">{}</text><text x="{}" y="{}" fill="#444">{}</text></g>"##,
            escape(&node.origin),
            if focus { "#fff3cc" } else { "#ffffff" },
            if focus { 3 } else { 1 },
            x + 8,
            y + 20,
            escape(&node.codigo_origen),
            escape(&node.mineral),
            x + 8,
            y + 44,
            escape(&shorten(what, ORIGIN_CHARS)),
            x + 8,
            y + 66,
            escape(&shorten(whose, ORIGIN_CHARS)),
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trail::{TrailEdge, TrailNode};

    fn node(code: &str, depth: i32, origin: &str) -> TrailNode {
        TrailNode {
            codigo_origen: code.to_owned(),
            mineral: "ORO (g)".to_owned(),
            depth,
            source: "PRODUCCION".to_owned(),
            origin: origin.to_owned(),
            issued_on: "04/03/2025".to_owned(),
            transfers: Vec::new(),
        }
    }

    #[test]
    fn sources_left_products_right_and_text_escaped() {
        let trail = Trail {
            codigo_origen: "B0000000".to_owned(),
            nodes: vec![
                node("B0000000", 0, "Transformación"),
                node("A0000000", -1, "Título minero T1 · <MINERA & CÍA>"),
            ],
            edges: vec![TrailEdge {
                from: "A0000000".to_owned(),
                to: "B0000000".to_owned(),
                share: "1,000000".to_owned(),
                process: "Refinación".to_owned(),
                fecha: "01/11/2026".to_owned(),
            }],
        };
        let svg = draw(&trail);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let a = svg
            .find(r#"x="10" y="10""#)
            .expect("the source in the first column");
        assert!(svg[a..].contains("A0000000"));
        assert!(svg.contains(&format!(r#"x="{}""#, 10 + BOX_WIDTH + COLUMN_GAP)));
        assert!(svg.contains("&lt;MINERA &amp; CÍA&gt;"), "{svg}");
        assert!(svg.contains("Refinación · 1,000000"));
        assert!(!svg.contains("<MINERA"));
    }
}
