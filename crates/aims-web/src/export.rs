//! Register exports written once: CSV and XLSX downloads of a header and rows of text, with
//! spreadsheet-formula neutralising and an attachment file name.

use crate::error::AppResult;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Keeps spreadsheet programs from running a cell as a formula (CSV injection).
pub fn safe_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() }
}

fn attachment(filename: &str) -> String {
    // Only our own ASCII names reach here (slug, date, register); quotes are stripped anyway.
    format!("attachment; filename=\"{}\"", filename.replace('"', ""))
}

/// A CSV download (`filename` should end in `.csv`).
pub fn csv(filename: &str, header: &[&str], rows: &[Vec<String>]) -> AppResult<Response> {
    let mut out = ::csv::Writer::from_writer(Vec::new());
    out.write_record(header).map_err(anyhow::Error::from)?;
    for row in rows {
        out.write_record(row.iter().map(|c| safe_cell(c))).map_err(anyhow::Error::from)?;
    }
    let body = out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, attachment(filename)),
        ],
        body,
    )
        .into_response())
}

/// An XLSX download with one sheet: a bold, frozen header row, autofilter and sensible widths.
pub fn xlsx(filename: &str, sheet: &str, header: &[&str], rows: &[Vec<String>]) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name(sheet).map_err(anyhow::Error::from)?;
    let bold = Format::new().set_bold().set_background_color("DDE7FF");
    let wrap = Format::new().set_text_wrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(anyhow::Error::from)?;
        ws.set_column_width(c as u16, 18).map_err(anyhow::Error::from)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            // write_string never evaluates formulas, so no neutralising is needed here.
            ws.write_string_with_format(r as u32 + 1, c as u16, cell, &wrap).map_err(anyhow::Error::from)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(anyhow::Error::from)?;
    if !header.is_empty() {
        ws.autofilter(0, 0, rows.len() as u32, header.len() as u16 - 1).map_err(anyhow::Error::from)?;
    }
    let body = workbook.save_to_buffer().map_err(anyhow::Error::from)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, attachment(filename)),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(safe_cell("=1+1"), "'=1+1");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("plain"), "plain");
    }
}
