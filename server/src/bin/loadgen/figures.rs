//! The bench's figures as CSV, and one SVG that compares two runs (before and after a change).
//!
//! A figures file has the header `figure,key,value` and one line per figure: `rate,<what>` in
//! units a second (purchases, confirmations, pgbench transactions), `p50_ms,<phase>/<step>` and
//! `p99_ms,<phase>/<step>` in milliseconds. Keys never hold a comma, so no quoting is needed.

use std::fmt::Write as _;

use super::Result;
use super::stats::{Samples, Step, percentile};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Figures {
    rows: Vec<(String, String, f64)>,
}

const HEADER: &str = "figure,key,value";

impl Figures {
    /// A throughput, `key` a second.
    pub fn rate(&mut self, key: &str, per_s: f64) {
        self.rows.push(("rate".to_owned(), key.to_owned(), per_s));
    }

    /// p50 and p99 of each of `steps` that has samples, under `phase`.
    pub fn latencies(&mut self, phase: &str, samples: &Samples, steps: &[Step]) {
        for step in steps {
            let Some(values) = samples.by_step.get(step) else {
                continue;
            };
            let mut sorted = values.clone();
            sorted.sort();
            for (figure, p) in [("p50_ms", 50.0), ("p99_ms", 99.0)] {
                let ms = percentile(&sorted, p).as_secs_f64() * 1000.0;
                self.rows
                    .push((figure.to_owned(), format!("{phase}/{}", step.key()), ms));
            }
        }
    }

    pub fn to_csv(&self) -> String {
        let mut csv = format!("{HEADER}\n");
        for (figure, key, value) in &self.rows {
            let _ = writeln!(csv, "{figure},{key},{value:.3}");
        }
        csv
    }

    pub fn parse(csv: &str) -> Result<Self> {
        let mut lines = csv.lines();
        if lines.next().map(str::trim) != Some(HEADER) {
            return Err(format!("un archivo de cifras empieza por «{HEADER}»"));
        }
        let rows = lines
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let mut fields = line.trim().splitn(3, ',');
                match (fields.next(), fields.next(), fields.next()) {
                    (Some(figure), Some(key), Some(value)) => value
                        .parse()
                        .map(|value| (figure.to_owned(), key.to_owned(), value))
                        .map_err(|_| format!("valor no numérico en «{line}»")),
                    _ => Err(format!("línea incompleta «{line}»")),
                }
            })
            .collect::<Result<_>>()?;
        Ok(Self { rows })
    }

    fn get(&self, figure: &str, key: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|(f, k, _)| f == figure && k == key)
            .map(|(_, _, value)| *value)
    }
}

/// Bars of `before` (grey) and `after` (blue) for every figure `after` has, each pair scaled to its
/// own larger value (throughputs of 80/s and 3 000/s share no axis), the values written beside.
pub fn svg(before: &Figures, after: &Figures, titles: (&str, &str)) -> String {
    const WIDTH: f64 = 760.0;
    const LABEL: f64 = 300.0;
    const BAR: f64 = 11.0;
    const ROW: f64 = 2.0 * BAR + 10.0;
    const TOP: f64 = 56.0;
    let bars = WIDTH - LABEL - 90.0;
    let height = TOP + ROW * after.rows.len() as f64 + 10.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">Benchmark de compras: \
         antes y después</text>\n\
         <rect x=\"10\" y=\"32\" width=\"12\" height=\"10\" fill=\"#9e9e9e\"/>\
         <text x=\"26\" y=\"41\">{}</text>\n\
         <rect x=\"{}\" y=\"32\" width=\"12\" height=\"10\" fill=\"#1565c0\"/>\
         <text x=\"{}\" y=\"41\">{}</text>\n",
        escape(titles.0),
        WIDTH / 2.0,
        WIDTH / 2.0 + 16.0,
        escape(titles.1)
    );
    for (index, (figure, key, value)) in after.rows.iter().enumerate() {
        let y = TOP + ROW * index as f64;
        let old = before.get(figure, key);
        let scale = old.unwrap_or(0.0).max(*value).max(f64::MIN_POSITIVE);
        let unit = if figure == "rate" { "/s" } else { " ms" };
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{:.1}\">{}</text>",
            y + BAR + 4.0,
            escape(&label(figure, key))
        );
        for (offset, amount, colour) in [(0.0, old, "#9e9e9e"), (BAR, Some(*value), "#1565c0")] {
            let Some(amount) = amount else { continue };
            let length = (amount / scale * bars).max(1.0);
            let _ = writeln!(
                out,
                "<rect x=\"{LABEL}\" y=\"{:.1}\" width=\"{length:.1}\" height=\"{BAR}\" \
                 fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{amount:.1}{unit}</text>",
                y + offset,
                LABEL + length + 4.0,
                y + offset + BAR - 2.0,
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// A row's label: the step's name from its key, with the percentile.
fn label(figure: &str, key: &str) -> String {
    let (phase, step) = key.split_once('/').unwrap_or(("", key));
    let name = Step::ALL
        .iter()
        .chain(&Step::APART)
        .find(|s| s.key() == step)
        .map_or(step, |s| s.label().trim());
    match figure {
        "rate" => key.replace('_', " "),
        percentile => format!("{phase} {name} {}", percentile.trim_end_matches("_ms")),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn figures_survive_their_csv_and_are_drawn() {
        let mut samples = Samples::default();
        for ms in 1..=100 {
            samples.add(Step::Confirm, Duration::from_millis(ms));
        }
        let mut after = Figures::default();
        after.rate("confirmaciones_por_s", 250.5);
        after.latencies("fase2", &samples, &[Step::Confirm, Step::Submit]);
        let parsed = Figures::parse(&after.to_csv()).expect("its own CSV");
        assert_eq!(parsed, after);
        assert_eq!(parsed.get("p99_ms", "fase2/confirmar"), Some(99.0));
        assert_eq!(parsed.get("p50_ms", "fase2/enviar"), None);
        let mut before = Figures::default();
        before.rate("confirmaciones_por_s", 125.0);
        let drawn = svg(&before, &after, ("antes", "después"));
        assert_eq!(drawn.matches("<rect x=\"300\"").count(), 4);
        assert!(drawn.contains("125.0/s") && drawn.contains("99.0 ms"));
        assert!(Figures::parse("a,b\n").is_err());
    }
}
