//! The closing report as a PDF: A4 pages of text in Helvetica, one of the fonts every PDF reader
//! has (nothing embedded), with the WinAnsi encoding, which holds every letter of Spanish.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use super::MonthReport;

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 40.0;
const LINE_HEIGHT: f32 = 14.0;
const FONT_SIZE: f32 = 9.0;
/// The columns' left edges: code, mineral (unit), opening, in, out, closing.
const COLUMNS: [f32; 6] = [40.0, 110.0, 250.0, 335.0, 420.0, 505.0];
const HEADER: [&str; 6] = [
    "Código",
    "Mineral (unidad)",
    "Saldo inicial",
    "Entradas",
    "Salidas",
    "Saldo final",
];

/// Text in WinAnsi bytes (Latin-1 for what Spanish uses); anything else becomes `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c))
                .ok()
                .filter(|b| *b >= 0x20)
                .unwrap_or(b'?')
        })
        .collect()
}

/// The lines of the report, each a row of cells (a title line has one cell).
fn lines(found: &MonthReport) -> Vec<Vec<String>> {
    let report = &found.report;
    let mut lines = vec![
        vec![format!(
            "Cierre de {} — {}{}",
            report.month.label(),
            found.organization,
            if found.closed {
                ""
            } else {
                " (mes abierto: cifras provisionales)"
            }
        )],
        vec![String::new()],
        HEADER.iter().map(|h| (*h).to_owned()).collect(),
    ];
    let amounts = |a: &domain::closing::ClosingAmounts| {
        [a.opening, a.entradas, a.salidas, a.closing].map(|q| q.to_string())
    };
    for row in &report.rows {
        let mut cells = vec![
            row.key.codigo_origen.to_string(),
            format!("{} ({})", row.key.mineral, row.key.unit),
        ];
        cells.extend(amounts(&row.amounts));
        lines.push(cells);
    }
    lines.push(vec![String::new()]);
    for total in &report.totals {
        let mut cells = vec![
            "Total".to_owned(),
            format!("{} ({})", total.mineral, total.unit),
        ];
        cells.extend(amounts(&total.amounts));
        lines.push(cells);
    }
    lines
}

/// The PDF's bytes.
pub fn render(found: &MonthReport) -> Vec<u8> {
    let lines = lines(found);
    let per_page = ((PAGE_HEIGHT - 2.0 * MARGIN) / LINE_HEIGHT) as usize;
    let pages: Vec<&[Vec<String>]> = lines.chunks(per_page.max(1)).collect();
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let font_name = Name(b"F1");
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(4 + 2 * i32::try_from(i).unwrap_or(0)))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    pdf.type1_font(font)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (page_id, page_lines) in page_ids.iter().zip(pages) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(font_name, font);
        page.finish();
        let mut content = Content::new();
        for (index, cells) in page_lines.iter().enumerate() {
            let y = PAGE_HEIGHT - MARGIN - LINE_HEIGHT * index as f32;
            for (cell, x) in cells.iter().zip(COLUMNS) {
                content.begin_text();
                content.set_font(font_name, FONT_SIZE);
                content.next_line(x, y);
                content.show(Str(&win_ansi(cell)));
                content.end_text();
            }
        }
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::closing::{Month, closing_report};

    #[test]
    fn a_report_renders_to_a_pdf_with_its_rows() {
        let month = Month::parse("2026-10").expect("month");
        let report = closing_report(month, &[]).expect("empty report");
        let pdf = render(&MonthReport {
            report,
            closed: true,
            organization: "COMERCIALIZADORA ORO DEL CAUCA S.A.S".to_owned(),
        });
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("WinAnsiEncoding"), "{text}");
        assert_eq!(win_ansi("Código ñ €"), b"C\xf3digo \xf1 ?".to_vec());
    }
}
