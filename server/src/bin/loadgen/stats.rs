//! The steps of a purchase and their timings.

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::Duration;

// Steps and their timings

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    HandToSeller,
    MailToken,
    WsDetail,
    Submit,
    MailCode,
    Confirm,
    Purchase,
    /// From "Enviar" to the code's email accepted by the SMTP server (outbox included).
    CodeAccepted,
    /// The buyer's balances (`saldos`), a look-up apart from the purchase.
    Saldos,
    /// *Transacciones en curso* (`compras/en-curso`), a look-up apart from the purchase.
    EnCurso,
}

impl Step {
    /// What is measured apart from the purchase's steps.
    pub const APART: [Step; 3] = [Step::CodeAccepted, Step::Saldos, Step::EnCurso];

    /// The purchase's steps (the look-ups are apart).
    pub const ALL: [Step; 7] = [
        Step::HandToSeller,
        Step::MailToken,
        Step::WsDetail,
        Step::Submit,
        Step::MailCode,
        Step::Confirm,
        Step::Purchase,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Step::HandToSeller => "1 enviar-al-vendedor (Generar Cód. WS)",
            Step::MailToken => "  correo: token WS (outbox)",
            Step::WsDetail => "2 WS detalle (ERP del vendedor)",
            Step::Submit => "3 enviar (a confirmación)",
            Step::MailCode => "  correo: código de validación (outbox)",
            Step::Confirm => "4 confirmar (mueve el libro)",
            Step::Purchase => "compra completa (1→4, con correos)",
            Step::CodeAccepted => "  código aceptado por SMTP (desde Enviar)",
            Step::Saldos => "consulta de saldos",
            Step::EnCurso => "transacciones en curso",
        }
    }

    /// Its name in the figures' CSV (`loadgen::figures`).
    pub fn key(self) -> &'static str {
        match self {
            Step::HandToSeller => "enviar_al_vendedor",
            Step::MailToken => "correo_token",
            Step::WsDetail => "ws_detalle",
            Step::Submit => "enviar",
            Step::MailCode => "correo_codigo",
            Step::Confirm => "confirmar",
            Step::Purchase => "compra_completa",
            Step::CodeAccepted => "codigo_aceptado_smtp",
            Step::Saldos => "saldos",
            Step::EnCurso => "en_curso",
        }
    }

    pub fn is_mail(self) -> bool {
        matches!(self, Step::MailToken | Step::MailCode)
    }
}

#[derive(Default)]
pub struct Samples {
    pub by_step: BTreeMap<Step, Vec<Duration>>,
}

impl Samples {
    pub fn add(&mut self, step: Step, took: Duration) {
        self.by_step.entry(step).or_default().push(took);
    }

    pub fn merge(&mut self, other: Samples) {
        for (step, mut values) in other.by_step {
            self.by_step.entry(step).or_default().append(&mut values);
        }
    }

    pub fn total(&self, step: Step) -> Duration {
        self.by_step
            .get(&step)
            .map(|v| v.iter().sum())
            .unwrap_or_default()
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

pub fn print_table(samples: &Samples, steps: &[Step]) {
    println!(
        "  {:<42} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "paso / step", "n", "p50 ms", "p99 ms", "máx ms", "media ms"
    );
    for step in steps {
        let Some(values) = samples.by_step.get(step) else {
            continue;
        };
        let mut sorted = values.clone();
        sorted.sort();
        let mean = if sorted.is_empty() {
            Duration::ZERO
        } else {
            sorted.iter().sum::<Duration>() / u32::try_from(sorted.len()).unwrap_or(u32::MAX)
        };
        println!(
            "  {:<42} {:>7} {:>9} {:>9} {:>9} {:>9}",
            step.label(),
            sorted.len(),
            ms(percentile(&sorted, 50.0)),
            ms(percentile(&sorted, 99.0)),
            ms(sorted.last().copied().unwrap_or_default()),
            ms(mean)
        );
    }
}
