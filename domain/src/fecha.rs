//! Calendar dates as Colombia writes them (`DD/MM/AAAA`), and the rules about when they may fall:
//! not in the future, not inside a closed period.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Date, Month, UtcOffset};

use crate::error_code::ErrorCode;
use crate::text::echo;

/// Earliest year accepted: catches `28/02/0025`-style typos; no traded mineral predates it.
pub const FECHA_MIN_YEAR: i32 = 1900;

/// Colombia's time: UTC−5 all year (no daylight saving time), so a fixed offset is exact. Dates
/// and times people type or read (`fecha_toma_medida`, "today") are in it.
pub const BOGOTA: UtcOffset = match UtcOffset::from_hms(-5, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC−5 is a valid offset"),
};

/// A calendar date, read and shown as `DD/MM/AAAA` (also in JSON, like the ANM's web services).
///
/// ```
/// use domain::Fecha;
/// let fecha = Fecha::parse("28/02/2025").unwrap();
/// assert_eq!(fecha.to_string(), "28/02/2025");
/// assert!(Fecha::parse("2025-02-28").is_err());
/// assert!(Fecha::parse("29/02/2025").is_err()); // 2025 is not a leap year
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Fecha(Date);

/// Why a text is not a date, or a date breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FechaError {
    #[error("Escriba la fecha con el formato DD/MM/AAAA, por ejemplo 28/02/2025.")]
    Required,
    #[error(
        "La fecha «{value}» no tiene el formato DD/MM/AAAA (dos dígitos para el día, dos para el mes y cuatro para el año), por ejemplo 28/02/2025."
    )]
    WrongFormat { value: String },
    #[error("La fecha «{value}» no existe en el calendario; revise el día y el mes.")]
    DoesNotExist { value: String },
    #[error("El año {found} no es válido; la fecha debe ser del año {min} en adelante.")]
    YearOutOfRange { min: i32, found: i32 },
    #[error("La fecha {fecha} es posterior a hoy ({today}); no se registran operaciones futuras.")]
    InFuture { fecha: Fecha, today: Fecha },
    #[error(
        "La fecha {fecha} está en un periodo cerrado (cerrado hasta el {closed_through}); use una fecha posterior al cierre."
    )]
    InClosedPeriod { fecha: Fecha, closed_through: Fecha },
}

impl ErrorCode for FechaError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "date_required",
            Self::WrongFormat { .. } => "date_format",
            Self::DoesNotExist { .. } => "date_does_not_exist",
            Self::YearOutOfRange { .. } => "date_year_out_of_range",
            Self::InFuture { .. } => "date_in_future",
            Self::InClosedPeriod { .. } => "date_in_closed_period",
        }
    }
}

impl Fecha {
    /// Parses exactly `DD/MM/AAAA` (surrounding spaces ignored). `1/3/2025`, `2025-03-01` and
    /// `01-03-2025` are refused: one format, the one the date picker writes, avoids any day/month
    /// confusion with US-style dates.
    pub fn parse(input: &str) -> Result<Self, FechaError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FechaError::Required);
        }
        let bytes = trimmed.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[2] == b'/'
            && bytes[5] == b'/'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 2 || i == 5 || b.is_ascii_digit());
        if !shape_ok {
            return Err(FechaError::WrongFormat {
                value: echo(trimmed),
            });
        }
        let number = |range: std::ops::Range<usize>| {
            trimmed[range]
                .bytes()
                .fold(0i32, |acc, b| acc * 10 + i32::from(b - b'0'))
        };
        let (day, month, year) = (number(0..2), number(3..5), number(6..10));
        Self::from_calendar(year, month, day).map_err(|error| match error {
            FechaError::DoesNotExist { .. } => FechaError::DoesNotExist {
                value: trimmed.to_owned(),
            },
            other => other,
        })
    }

    /// A date from year, month (1–12) and day.
    pub fn from_calendar(year: i32, month: i32, day: i32) -> Result<Self, FechaError> {
        if year < FECHA_MIN_YEAR {
            return Err(FechaError::YearOutOfRange {
                min: FECHA_MIN_YEAR,
                found: year,
            });
        }
        let does_not_exist = || FechaError::DoesNotExist {
            value: format!("{day:02}/{month:02}/{year:04}"),
        };
        let month = u8::try_from(month)
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .ok_or_else(does_not_exist)?;
        let day = u8::try_from(day).map_err(|_| does_not_exist())?;
        Date::from_calendar_date(year, month, day)
            .map(Self)
            .map_err(|_| does_not_exist())
    }

    /// Wraps a `time::Date` (from the store or the server's clock).
    pub fn from_date(date: Date) -> Self {
        Self(date)
    }

    /// The underlying date.
    pub fn date(self) -> Date {
        self.0
    }

    /// The day's first instant in Colombia (UTC−5 all year): what was recorded that day or later
    /// has a timestamp at or after it.
    pub fn start_in_bogota(self) -> time::OffsetDateTime {
        self.0.midnight().assume_offset(BOGOTA)
    }

    /// Refuses a date after `today` (the caller's today, in Colombia's time zone).
    pub fn check_not_future(self, today: Fecha) -> Result<Self, FechaError> {
        if self > today {
            Err(FechaError::InFuture { fecha: self, today })
        } else {
            Ok(self)
        }
    }
}

impl fmt::Display for Fecha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}/{:02}/{:04}",
            self.0.day(),
            u8::from(self.0.month()),
            self.0.year()
        )
    }
}

impl TryFrom<String> for Fecha {
    type Error = FechaError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Fecha> for String {
    fn from(fecha: Fecha) -> Self {
        fecha.to_string()
    }
}

impl std::str::FromStr for Fecha {
    type Err = FechaError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A holder's period closings (*Cierres*): each closes everything up to its date, inclusive, so
/// only the latest matters. No movement may be dated on or before it.
///
/// ```
/// use domain::{Closings, Fecha};
/// let closings = Closings::from_dates([Fecha::parse("31/01/2025").unwrap()]);
/// assert!(closings.check_open(Fecha::parse("31/01/2025").unwrap()).is_err());
/// assert!(closings.check_open(Fecha::parse("01/02/2025").unwrap()).is_ok());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closings {
    closed_through: Option<Fecha>,
}

impl Closings {
    /// No period closed yet.
    pub fn none() -> Self {
        Self::default()
    }

    /// From the dates of every closing (in any order).
    pub fn from_dates(dates: impl IntoIterator<Item = Fecha>) -> Self {
        Self {
            closed_through: dates.into_iter().max(),
        }
    }

    /// The last closed day, if any.
    pub fn closed_through(&self) -> Option<Fecha> {
        self.closed_through
    }

    /// Whether a date falls in a closed period.
    pub fn is_closed(&self, fecha: Fecha) -> bool {
        self.closed_through.is_some_and(|closed| fecha <= closed)
    }

    /// Refuses a date inside a closed period; the error says up to when it is closed.
    pub fn check_open(&self, fecha: Fecha) -> Result<Fecha, FechaError> {
        match self.closed_through {
            Some(closed_through) if fecha <= closed_through => Err(FechaError::InClosedPeriod {
                fecha,
                closed_through,
            }),
            _ => Ok(fecha),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn f(text: &str) -> Fecha {
        Fecha::parse(text).expect(text)
    }

    #[test]
    fn a_day_starts_at_five_in_the_morning_utc() {
        let start = f("01/11/2026").start_in_bogota();
        assert_eq!(start.to_offset(time::UtcOffset::UTC).hour(), 5);
        assert_eq!(start.to_offset(BOGOTA).date(), f("01/11/2026").date());
    }

    #[test]
    fn seed_dates() {
        for text in ["28/02/2025", "06/03/2025", "11/12/2024"] {
            assert_eq!(f(text).to_string(), text);
        }
        assert_eq!(f(" 28/02/2025 "), f("28/02/2025"));
    }

    #[test]
    fn strict_format() {
        assert_eq!(Fecha::parse(""), Err(FechaError::Required));
        for bad in [
            "1/3/2025",
            "2025-03-01",
            "01-03-2025",
            "01/03/25",
            "11 / 12 / 2024",
            "01/03/2025 10:00",
            "0l/03/2025",
        ] {
            let error = Fecha::parse(bad).expect_err(bad);
            assert!(matches!(error, FechaError::WrongFormat { .. }), "{bad}");
            assert!(error.to_string().contains("DD/MM/AAAA"));
        }
    }

    #[test]
    fn calendar_boundaries() {
        assert!(Fecha::parse("29/02/2024").is_ok());
        assert_eq!(
            Fecha::parse("29/02/2025"),
            Err(FechaError::DoesNotExist {
                value: "29/02/2025".into()
            })
        );
        assert!(Fecha::parse("31/04/2025").is_err());
        assert!(Fecha::parse("00/01/2025").is_err());
        assert!(Fecha::parse("01/13/2025").is_err());
        assert!(Fecha::parse("31/12/2025").is_ok());
        assert!(Fecha::parse("01/01/1900").is_ok());
        assert_eq!(
            Fecha::parse("31/12/1899"),
            Err(FechaError::YearOutOfRange {
                min: 1900,
                found: 1899
            })
        );
    }

    #[test]
    fn future_dates() {
        let today = f("28/02/2025");
        assert_eq!(f("28/02/2025").check_not_future(today), Ok(today));
        let error = f("01/03/2025")
            .check_not_future(today)
            .expect_err("tomorrow");
        assert_eq!(error.code(), "date_in_future");
        assert!(
            error.to_string().contains("01/03/2025") && error.to_string().contains("28/02/2025")
        );
    }

    #[test]
    fn closings_are_inclusive_and_only_the_latest_counts() {
        let closings = Closings::from_dates([f("31/12/2024"), f("31/01/2025"), f("30/11/2024")]);
        assert_eq!(closings.closed_through(), Some(f("31/01/2025")));
        assert!(closings.is_closed(f("31/01/2025")));
        assert!(!closings.is_closed(f("01/02/2025")));
        assert_eq!(
            closings.check_open(f("15/01/2025")),
            Err(FechaError::InClosedPeriod {
                fecha: f("15/01/2025"),
                closed_through: f("31/01/2025")
            })
        );
        assert!(Closings::none().check_open(f("01/01/1900")).is_ok());
    }

    #[test]
    fn serde_uses_dd_mm_aaaa() {
        let json = serde_json::to_string(&f("06/03/2025")).expect("json");
        assert_eq!(json, "\"06/03/2025\"");
        assert_eq!(
            serde_json::from_str::<Fecha>(&json).expect("back"),
            f("06/03/2025")
        );
        assert!(serde_json::from_str::<Fecha>("\"2025-03-06\"").is_err());
    }

    proptest! {
        #[test]
        fn display_parses_back(days in 0i64..200_000) {
            let date = Date::from_calendar_date(1900, Month::January, 1).expect("valid") + time::Duration::days(days);
            let fecha = Fecha::from_date(date);
            prop_assert_eq!(Fecha::parse(&fecha.to_string()), Ok(fecha));
        }
    }
}
