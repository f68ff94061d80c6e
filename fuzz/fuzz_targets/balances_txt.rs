//! libFuzzer target: `domain::balances_txt::parse_balances_txt` on any bytes, in each currency.
//! A panic is a crash. What parses is written back and must parse to the same rows (the property
//! tests of domain/tests/fuzz_balances_txt.rs check more; this target goes for volume and coverage).
#![no_main]

use domain::Currency;
use domain::balances_txt::{parse_balances_txt, write_balances_txt};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the purchase currency; the rest is the file.
    let (currency, bytes) = match data.split_first() {
        Some((first, rest)) => (
            [Currency::Cop, Currency::Usd, Currency::Eur][usize::from(*first % 3)],
            rest,
        ),
        None => (Currency::Cop, data),
    };
    match parse_balances_txt(bytes, currency) {
        Ok(parsed) => {
            let _ = parsed.to_line_drafts();
            let _ = parsed.to_allocation();
            let written = write_balances_txt(&parsed.rows);
            let again = parse_balances_txt(written.as_bytes(), currency);
            assert_eq!(
                again.as_ref().map(|p| &p.rows),
                Ok(&parsed.rows),
                "written back:\n{written}"
            );
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
