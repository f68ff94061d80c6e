//! Production caps ("cupos") of a *minero de subsistencia*: how much of each mineral one may sell
//! in a month and in a year, and the check every purchase from one must pass.
//!
//! # The norms
//!
//! - **Decreto 1666 de 2016** (Ministerio de Minas y Energía, 21 de octubre de 2016), which adds the
//!   classification of mining (section 2.2.5.1.5) to the Decreto Único Reglamentario 1073 de 2015:
//!   *minería de subsistencia* is the extraction and collection, open-pit and by manual means
//!   without any machinery, of **metales preciosos, piedras preciosas y semipreciosas, arenas y
//!   gravas de río (destinadas a la industria de la construcción) y arcillas**, barequeo included;
//!   and the Ministry sets the maximum production volumes of subsistence mining. The decree's text
//!   was read from a scanned copy and press summaries; the article numbers inside the section
//!   (2.2.5.1.5.3 for the definition, 2.2.5.1.5.5 for the volumes) are as we recall them and were
//!   **not confirmed against the official text**.
//! - **Resolución 40103 de 2017** (Ministerio de Minas y Energía, February 2017), art. 1: the
//!   maximum volumes, as a *valor promedio mensual* and a *producción anual* per mineral:
//!
//!   | mineral | monthly | yearly |
//!   | --- | --- | --- |
//!   | Metales preciosos (oro, plata, platino) | 35 g | 420 g |
//!   | Piedras preciosas y semipreciosas | 50 ct (quilates) | 600 ct |
//!   | Arenas y gravas de río | 80 m³ | 960 m³ |
//!   | Arcillas | 80 t | 960 t |
//!
//! **What was and was not confirmed.** The official text of the resolution could not be reached
//! from here; the figures come from the press. La W Radio (2 February 2017, "MinMinas estableció
//! volúmenes máximos de producción mensual para minería de subsistencia") gives all four rows, but
//! **30 g / 360 g** for precious metals; El Colombiano (May 2020) and other reports of how RUCOM
//! applies the rule give **35 g a month / 420 g a year** of gold. We default to 35 / 420, the
//! figure reported as applied; the 30 / 360 of the first report may be the original text later
//! modified, or a draft. The three other rows (50 / 600 ct, 80 / 960 m³, 80 / 960 t) have a single
//! source. **Every default must be checked against the Diario Oficial before production**: they are
//! parameters ([`SubsistenceCaps`]) precisely so that correcting one is configuration, not code.
//!
//! # How the caps are applied
//!
//! - A cap is per miner and per row of the table, whoever buys: for precious metals, the grams of
//!   gold, silver and platinum sold add up against one cap. The caller sums what the miner already
//!   sold in the current calendar month and year, across all buyers (the domain has no clock and
//!   no database).
//! - In every row the monthly figure is the yearly one divided by twelve: the resolution calls it a
//!   *valor promedio mensual*. It is enforced as a monthly cap by default, as the PTM's "cupos" do;
//!   [`SubsistenceCap::monthly`] = `None` enforces only the yearly cap, if the ANM reads the
//!   average as not binding month by month.
//! - Quantities carry their [`Unit`]: the sale is a [`SaleQuantity`] in any unit of the same
//!   dimension as the cap (gold in `ozt`, clay in `kg`), converted **exactly** into the cap's unit
//!   (g, ct, m3, t) before the comparison; a conversion that is not exact, or between mass and
//!   volume, is refused ([`CupoError::Unit`]), never rounded. Every figure this module returns is
//!   in the cap's unit.
//!
//! ```
//! use domain::subsistence::{check_purchase, SoldSoFar, SubsistenceCaps, SubsistenceMineral};
//! use domain::{SaleQuantity, Unit};
//! use rust_decimal::Decimal;
//!
//! let caps = SubsistenceCaps::default();
//! let sold = SoldSoFar::new(Decimal::new(30, 0), Decimal::new(300, 0), Unit::Gram);
//! let gold = SubsistenceMineral::MetalesPreciosos;
//!
//! let five_grams = SaleQuantity::parse("5").unwrap();
//! let cupo = check_purchase(&caps, gold, sold, five_grams, Unit::Gram)?;
//! assert_eq!(cupo.month, Some(Decimal::ZERO)); // 35 g a month, all used
//! assert_eq!(cupo.year, Decimal::new(115, 0)); // 420 - 300 - 5
//!
//! let six_grams = SaleQuantity::parse("6").unwrap();
//! assert_eq!(
//!     check_purchase(&caps, gold, sold, six_grams, Unit::Gram).unwrap_err().to_string(),
//!     "La venta de 6 g supera el cupo mensual de metales preciosos (oro, plata y platino) del \
//!      minero de subsistencia: cupo 35 g, vendido en el mes 30 g, disponible 5 g.",
//! );
//! # Ok::<(), domain::subsistence::CupoError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;
use crate::mineral::{Mineral, MineralGroup};
use crate::number::format_es_co;
use crate::quantity::SaleQuantity;
use crate::unit::{Unit, UnitError};

/// The minerals a subsistence miner may extract (Decreto 1666 de 2016), one per row of the
/// Resolución 40103 de 2017 table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubsistenceMineral {
    /// Oro, plata y platino, one cap for the three.
    MetalesPreciosos,
    /// Piedras preciosas y semipreciosas (emeralds and others).
    PiedrasPreciosas,
    /// Arenas y gravas de río, for the construction industry.
    ArenasYGravasDeRio,
    /// Arcillas.
    Arcillas,
}

impl SubsistenceMineral {
    /// Every row of the table.
    pub const ALL: [SubsistenceMineral; 4] = [
        SubsistenceMineral::MetalesPreciosos,
        SubsistenceMineral::PiedrasPreciosas,
        SubsistenceMineral::ArenasYGravasDeRio,
        SubsistenceMineral::Arcillas,
    ];

    /// The stable code for the API and the database; equals the serde representation.
    pub const fn code(self) -> &'static str {
        match self {
            SubsistenceMineral::MetalesPreciosos => "METALES_PRECIOSOS",
            SubsistenceMineral::PiedrasPreciosas => "PIEDRAS_PRECIOSAS",
            SubsistenceMineral::ArenasYGravasDeRio => "ARENAS_Y_GRAVAS_DE_RIO",
            SubsistenceMineral::Arcillas => "ARCILLAS",
        }
    }

    /// The Spanish name, as the table writes it.
    pub const fn label(self) -> &'static str {
        match self {
            SubsistenceMineral::MetalesPreciosos => "metales preciosos (oro, plata y platino)",
            SubsistenceMineral::PiedrasPreciosas => "piedras preciosas y semipreciosas",
            SubsistenceMineral::ArenasYGravasDeRio => "arenas y gravas de río",
            SubsistenceMineral::Arcillas => "arcillas",
        }
    }

    /// The royalty group the row belongs to. Clays go with construction materials, as
    /// `minerales.csv` files plain `ARCILLAS`; a catalogue entry that files a clay as *no
    /// metálico* changes nothing here, since caps are keyed by this enum, not by the group.
    pub const fn group(self) -> MineralGroup {
        match self {
            SubsistenceMineral::MetalesPreciosos => MineralGroup::MetalesPreciosos,
            SubsistenceMineral::PiedrasPreciosas => MineralGroup::PiedrasPreciosas,
            SubsistenceMineral::ArenasYGravasDeRio | SubsistenceMineral::Arcillas => {
                MineralGroup::MaterialesConstruccion
            }
        }
    }

    /// The row of a mineral of the master list, or `None` when a subsistence miner may not sell
    /// it at all (coal, metallic ores, limestone…: Decreto 1666 de 2016 limits subsistence
    /// mining to the four rows). Precious metals and stones go by group; sand, gravel and clays by
    /// name, because their groups also hold minerals subsistence mining does not cover (recebo,
    /// industrial sands).
    ///
    /// ```
    /// use domain::subsistence::SubsistenceMineral;
    /// use domain::Mineral;
    ///
    /// let oro = Mineral::resolve("oro").unwrap();
    /// assert_eq!(SubsistenceMineral::for_mineral(oro), Some(SubsistenceMineral::MetalesPreciosos));
    /// let carbon = Mineral::resolve("carbón térmico").unwrap();
    /// assert_eq!(SubsistenceMineral::for_mineral(carbon), None);
    /// ```
    pub fn for_mineral(mineral: Mineral) -> Option<SubsistenceMineral> {
        let name = mineral.name();
        match mineral.group() {
            MineralGroup::MetalesPreciosos => Some(SubsistenceMineral::MetalesPreciosos),
            MineralGroup::PiedrasPreciosas => Some(SubsistenceMineral::PiedrasPreciosas),
            MineralGroup::MaterialesConstruccion
                if name.starts_with("ARENA") || name.starts_with("GRAVA") =>
            {
                Some(SubsistenceMineral::ArenasYGravasDeRio)
            }
            MineralGroup::MaterialesConstruccion | MineralGroup::MineralesNoMetalicos
                if name.starts_with("ARCILLA") =>
            {
                Some(SubsistenceMineral::Arcillas)
            }
            _ => None,
        }
    }
}

impl fmt::Display for SubsistenceMineral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One row of the table: the maximum a subsistence miner may sell of one mineral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsistenceCap {
    /// Per calendar month; `None` to enforce only the yearly cap.
    pub monthly: Option<Decimal>,
    /// Per calendar year.
    pub yearly: Decimal,
    /// The unit of both figures (g, ct, m3 or t).
    pub unit: Unit,
}

/// The caps of every row. `Default` is Resolución 40103 de 2017 as reported (see the module
/// documentation for the sources and what could not be confirmed).
///
/// ```
/// use domain::subsistence::{SubsistenceCaps, SubsistenceMineral};
/// use domain::Unit;
/// use rust_decimal::Decimal;
///
/// let gold = SubsistenceCaps::default().cap(SubsistenceMineral::MetalesPreciosos);
/// assert_eq!(gold.monthly, Some(Decimal::new(35, 0)));
/// assert_eq!(gold.yearly, Decimal::new(420, 0));
/// assert_eq!(gold.unit, Unit::Gram);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsistenceCaps {
    /// Oro, plata y platino: 35 g a month, 420 g a year.
    pub metales_preciosos: SubsistenceCap,
    /// Piedras preciosas y semipreciosas: 50 ct a month, 600 ct a year.
    pub piedras_preciosas: SubsistenceCap,
    /// Arenas y gravas de río: 80 m³ a month, 960 m³ a year.
    pub arenas_y_gravas_de_rio: SubsistenceCap,
    /// Arcillas: 80 t a month, 960 t a year.
    pub arcillas: SubsistenceCap,
}

impl Default for SubsistenceCaps {
    fn default() -> Self {
        let row = |monthly: i64, yearly: i64, unit: Unit| SubsistenceCap {
            monthly: Some(Decimal::from(monthly)),
            yearly: Decimal::from(yearly),
            unit,
        };
        SubsistenceCaps {
            metales_preciosos: row(35, 420, Unit::Gram),
            piedras_preciosas: row(50, 600, Unit::Carat),
            arenas_y_gravas_de_rio: row(80, 960, Unit::CubicMetre),
            arcillas: row(80, 960, Unit::Tonne),
        }
    }
}

impl SubsistenceCaps {
    /// The cap of one row.
    pub const fn cap(&self, mineral: SubsistenceMineral) -> SubsistenceCap {
        match mineral {
            SubsistenceMineral::MetalesPreciosos => self.metales_preciosos,
            SubsistenceMineral::PiedrasPreciosas => self.piedras_preciosas,
            SubsistenceMineral::ArenasYGravasDeRio => self.arenas_y_gravas_de_rio,
            SubsistenceMineral::Arcillas => self.arcillas,
        }
    }

    /// Refuses a configuration where a cap is negative or a month allows more than the year.
    pub fn validate(&self) -> Result<(), CupoError> {
        for mineral in SubsistenceMineral::ALL {
            let cap = self.cap(mineral);
            let monthly_ok = cap
                .monthly
                .is_none_or(|monthly| !is_negative(monthly) && monthly <= cap.yearly);
            if is_negative(cap.yearly) || !monthly_ok {
                return Err(CupoError::InvalidCap { mineral });
            }
        }
        Ok(())
    }
}

/// What the miner already sold of one row across all buyers, in `unit` (any unit of the cap's
/// dimension; converted exactly). Plain decimals, not [`crate::Quantity`]: a history summed from
/// sales in several units (grams and troy ounces) may carry more than four decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoldSoFar {
    /// Sold in the current calendar month.
    pub this_month: Decimal,
    /// Sold in the current calendar year (this month included).
    pub this_year: Decimal,
    /// The unit of both figures.
    pub unit: Unit,
}

impl SoldSoFar {
    /// What was sold this month and this year, in `unit`.
    pub const fn new(this_month: Decimal, this_year: Decimal, unit: Unit) -> Self {
        SoldSoFar {
            this_month,
            this_year,
            unit,
        }
    }

    /// Nothing sold yet.
    pub const fn nothing(unit: Unit) -> Self {
        SoldSoFar::new(Decimal::ZERO, Decimal::ZERO, unit)
    }
}

/// The cupo left, in the cap's unit (never negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cupo {
    /// The row.
    pub mineral: SubsistenceMineral,
    /// The unit of the figures: the cap's.
    pub unit: Unit,
    /// Left this month; `None` when no monthly cap is enforced.
    pub month: Option<Decimal>,
    /// Left this year.
    pub year: Decimal,
}

impl Cupo {
    /// The most that can still be sold now: the smaller of the month's and the year's cupo.
    pub fn sellable_now(&self) -> Decimal {
        self.month.map_or(self.year, |month| month.min(self.year))
    }
}

impl fmt::Display for Cupo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = self.unit;
        write!(f, "Cupo disponible de {}: ", self.mineral)?;
        if let Some(month) = self.month {
            write!(f, "{} {unit} en el mes, ", format_es_co(month, None))?;
        }
        write!(f, "{} {unit} en el año.", format_es_co(self.year, None))
    }
}

/// The cupo left before any new sale, in the cap's unit.
///
/// ```
/// use domain::subsistence::{cupo, SoldSoFar, SubsistenceCaps, SubsistenceMineral};
/// use domain::Unit;
/// use rust_decimal::Decimal;
///
/// // 10 t this month, 950 000 kg this year.
/// let sold = SoldSoFar::new(Decimal::new(10_000, 0), Decimal::new(950_000, 0), Unit::Kilogram);
/// let left = cupo(&SubsistenceCaps::default(), SubsistenceMineral::Arcillas, sold)?;
/// assert_eq!(left.unit, Unit::Tonne);
/// assert_eq!(left.month, Some(Decimal::new(70, 0)));
/// assert_eq!(left.year, Decimal::new(10, 0));
/// assert_eq!(left.sellable_now(), Decimal::new(10, 0));
/// # Ok::<(), domain::subsistence::CupoError>(())
/// ```
pub fn cupo(
    caps: &SubsistenceCaps,
    mineral: SubsistenceMineral,
    sold: SoldSoFar,
) -> Result<Cupo, CupoError> {
    caps.validate()?;
    let cap = caps.cap(mineral);
    let (this_month, this_year) = check_sold(sold, cap.unit)?;
    Ok(Cupo {
        mineral,
        unit: cap.unit,
        month: cap
            .monthly
            .map(|monthly| remaining(monthly, this_month))
            .transpose()?,
        year: remaining(cap.yearly, this_year)?,
    })
}

/// Checks a new sale by a subsistence miner who already sold `sold`, and returns the cupo left
/// after it (in the cap's unit), or the cap it would exceed.
///
/// When the sale exceeds both caps, the error names the one with less cupo left (the month's on
/// a tie), since that is the most the miner can sell now. The caps are inclusive: selling exactly
/// the cupo left is allowed and leaves zero. A [`SaleQuantity`] is never zero or negative.
pub fn check_purchase(
    caps: &SubsistenceCaps,
    mineral: SubsistenceMineral,
    sold: SoldSoFar,
    sale: SaleQuantity,
    unit: Unit,
) -> Result<Cupo, CupoError> {
    let quantity = unit.convert(sale.value(), caps.cap(mineral).unit)?;
    check_in_cap_unit(caps, mineral, sold, quantity)
}

/// [`check_purchase`] of a quantity already in the cap's unit (possibly more than 4 decimals: a
/// sum of lines converted exactly).
fn check_in_cap_unit(
    caps: &SubsistenceCaps,
    mineral: SubsistenceMineral,
    sold: SoldSoFar,
    quantity: Decimal,
) -> Result<Cupo, CupoError> {
    let before = cupo(caps, mineral, sold)?;
    let cap = caps.cap(mineral);
    let cap_unit = cap.unit;
    let (sold_month, sold_year) = check_sold(sold, cap_unit)?;

    let month_exceeded = match (cap.monthly, before.month) {
        (Some(monthly), Some(available)) if quantity > available => {
            Some(CupoError::ExceedsMonthlyCap {
                mineral,
                unit: cap_unit,
                cap: monthly,
                sold: sold_month,
                available,
                requested: quantity,
            })
        }
        _ => None,
    };
    let year_exceeded = (quantity > before.year).then_some(CupoError::ExceedsYearlyCap {
        mineral,
        unit: cap_unit,
        cap: cap.yearly,
        sold: sold_year,
        available: before.year,
        requested: quantity,
    });
    match (month_exceeded, year_exceeded) {
        // Both: name the tighter cap, the one with less left.
        (Some(month), Some(year)) => {
            return Err(if before.month.is_some_and(|m| m <= before.year) {
                month
            } else {
                year
            });
        }
        (Some(error), None) | (None, Some(error)) => return Err(error),
        (None, None) => {}
    }

    Ok(Cupo {
        mineral,
        unit: cap_unit,
        month: before
            .month
            .map(|month| month.checked_sub(quantity).ok_or(CupoError::Overflow))
            .transpose()?,
        year: before
            .year
            .checked_sub(quantity)
            .ok_or(CupoError::Overflow)?,
    })
}

/// What one purchase takes from each row of the table: its lines (mineral, quantity in the
/// mineral's unit) added up per row, converted exactly into the row's unit. A mineral outside the
/// table is refused: a subsistence miner may not sell it.
///
/// ```
/// use domain::subsistence::{purchase_rows, SubsistenceCaps, SubsistenceMineral};
/// use domain::{Mineral, SaleQuantity};
/// use rust_decimal::Decimal;
///
/// let lines = [
///     (Mineral::resolve("ORO").unwrap(), SaleQuantity::parse("10").unwrap()),
///     (Mineral::resolve("PLATA").unwrap(), SaleQuantity::parse("2,5").unwrap()),
/// ];
/// let rows = purchase_rows(&SubsistenceCaps::default(), &lines)?;
/// assert_eq!(rows[&SubsistenceMineral::MetalesPreciosos], Decimal::new(125, 1));
/// let copper = [(Mineral::resolve("COBRE").unwrap(), SaleQuantity::parse("1").unwrap())];
/// assert!(purchase_rows(&SubsistenceCaps::default(), &copper).is_err());
/// # Ok::<(), domain::subsistence::CupoError>(())
/// ```
pub fn purchase_rows(
    caps: &SubsistenceCaps,
    lines: &[(Mineral, SaleQuantity)],
) -> Result<BTreeMap<SubsistenceMineral, Decimal>, CupoError> {
    let mut rows = BTreeMap::new();
    for (mineral, quantity) in lines {
        let row = SubsistenceMineral::for_mineral(*mineral).ok_or_else(|| {
            CupoError::NotSubsistenceMineral {
                mineral: mineral.name().to_owned(),
            }
        })?;
        let in_cap_unit = mineral
            .unit()
            .convert(quantity.value(), caps.cap(row).unit)?;
        let total: &mut Decimal = rows.entry(row).or_default();
        *total = total.checked_add(in_cap_unit).ok_or(CupoError::Overflow)?;
    }
    Ok(rows)
}

/// Checks a whole purchase (the rows of [`purchase_rows`]) against what the miner already sold of
/// each row (`sold`, from the caller's records of the purchase's month and year), and returns the
/// cupo left of each row after it, or the first cap it would exceed.
pub fn check_rows(
    caps: &SubsistenceCaps,
    rows: &BTreeMap<SubsistenceMineral, Decimal>,
    mut sold: impl FnMut(SubsistenceMineral) -> SoldSoFar,
) -> Result<Vec<Cupo>, CupoError> {
    rows.iter()
        .map(|(row, quantity)| check_in_cap_unit(caps, *row, sold(*row), *quantity))
        .collect()
}

/// The history in the cap's unit, checked: not negative, the month within the year.
fn check_sold(sold: SoldSoFar, cap_unit: Unit) -> Result<(Decimal, Decimal), CupoError> {
    if is_negative(sold.this_month) || is_negative(sold.this_year) {
        return Err(CupoError::NegativeSold {
            this_month: sold.this_month,
            this_year: sold.this_year,
        });
    }
    if sold.this_month > sold.this_year {
        return Err(CupoError::MonthAboveYear {
            this_month: sold.this_month,
            this_year: sold.this_year,
        });
    }
    Ok((
        sold.unit.convert(sold.this_month, cap_unit)?,
        sold.unit.convert(sold.this_year, cap_unit)?,
    ))
}

/// `cap - sold`, never below zero: a cap lowered under what was already sold leaves no cupo, it
/// does not owe any.
fn remaining(cap: Decimal, sold: Decimal) -> Result<Decimal, CupoError> {
    let left = cap.checked_sub(sold).ok_or(CupoError::Overflow)?;
    Ok(left.max(Decimal::ZERO))
}

fn is_negative(value: Decimal) -> bool {
    value.is_sign_negative() && !value.is_zero()
}

/// Shows a quantity the Colombian way, with the unit.
struct Amount(Decimal, Unit);

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", format_es_co(self.0, None), self.1)
    }
}

/// Why a sale by a subsistence miner is refused or cannot be checked. Each variant is named after
/// the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CupoError {
    /// The sale exceeds what is left of the month's cap.
    #[error(
        "La venta de {} supera el cupo mensual de {mineral} del minero de subsistencia: cupo {}, \
         vendido en el mes {}, disponible {}.",
        Amount(*requested, *unit), Amount(*cap, *unit), Amount(*sold, *unit), Amount(*available, *unit)
    )]
    ExceedsMonthlyCap {
        /// The row.
        mineral: SubsistenceMineral,
        /// The unit of every figure: the cap's.
        unit: Unit,
        /// The monthly cap.
        cap: Decimal,
        /// Sold this month before this sale.
        sold: Decimal,
        /// Left this month before this sale.
        available: Decimal,
        /// The quantity of this sale.
        requested: Decimal,
    },
    /// The sale exceeds what is left of the year's cap.
    #[error(
        "La venta de {} supera el cupo anual de {mineral} del minero de subsistencia: cupo {}, \
         vendido en el año {}, disponible {}.",
        Amount(*requested, *unit), Amount(*cap, *unit), Amount(*sold, *unit), Amount(*available, *unit)
    )]
    ExceedsYearlyCap {
        /// The row.
        mineral: SubsistenceMineral,
        /// The unit of every figure: the cap's.
        unit: Unit,
        /// The yearly cap.
        cap: Decimal,
        /// Sold this year before this sale.
        sold: Decimal,
        /// Left this year before this sale.
        available: Decimal,
        /// The quantity of this sale.
        requested: Decimal,
    },
    /// The history says the miner sold a negative quantity: a bug upstream.
    #[error(
        "Las ventas acumuladas no pueden ser negativas (mes {}, año {}).",
        format_es_co(*this_month, None), format_es_co(*this_year, None)
    )]
    NegativeSold {
        /// Sold this month, as received.
        this_month: Decimal,
        /// Sold this year, as received.
        this_year: Decimal,
    },
    /// The month's sales exceed the year's, which include them: a bug upstream.
    #[error(
        "Las ventas del mes ({}) no pueden superar las del año ({}), que las incluyen.",
        format_es_co(*this_month, None), format_es_co(*this_year, None)
    )]
    MonthAboveYear {
        /// Sold this month, as received.
        this_month: Decimal,
        /// Sold this year, as received.
        this_year: Decimal,
    },
    /// A configured cap is negative, or a month allows more than the year.
    #[error(
        "El cupo configurado para {mineral} es inválido (negativo, o el mensual supera al anual)."
    )]
    InvalidCap {
        /// The row.
        mineral: SubsistenceMineral,
    },
    /// The mineral is not one of the table's: a subsistence miner may not sell it.
    #[error(
        "Un minero de subsistencia no puede vender {mineral}: solo metales preciosos (oro, plata y \
         platino), piedras preciosas y semipreciosas, arenas y gravas de río y arcillas \
         (Decreto 1666 de 2016)."
    )]
    NotSubsistenceMineral {
        /// The mineral's name.
        mineral: String,
    },
    /// Figures too large to compute with 28 significant digits.
    #[error("Las cantidades son demasiado grandes para calcular el cupo.")]
    Overflow,
    /// The sale's or the history's unit does not convert exactly into the cap's.
    #[error(transparent)]
    Unit(#[from] UnitError),
}

impl ErrorCode for CupoError {
    fn code(&self) -> &'static str {
        match self {
            CupoError::ExceedsMonthlyCap { .. } => "subsistence_exceeds_monthly_cap",
            CupoError::ExceedsYearlyCap { .. } => "subsistence_exceeds_yearly_cap",
            CupoError::NegativeSold { .. } => "subsistence_negative_sold",
            CupoError::MonthAboveYear { .. } => "subsistence_month_above_year",
            CupoError::InvalidCap { .. } => "subsistence_invalid_cap",
            CupoError::NotSubsistenceMineral { .. } => "subsistence_mineral_not_allowed",
            CupoError::Overflow => "subsistence_overflow",
            CupoError::Unit(error) => error.code(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    use SubsistenceMineral as M;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn sale(text: &str) -> SaleQuantity {
        SaleQuantity::new(d(text)).unwrap()
    }

    /// Sold so far, in the cap's unit of `mineral`.
    fn sold(mineral: SubsistenceMineral, month: &str, year: &str) -> SoldSoFar {
        SoldSoFar::new(
            d(month),
            d(year),
            SubsistenceCaps::default().cap(mineral).unit,
        )
    }

    /// A sale in the cap's unit of `mineral`.
    fn check(
        mineral: SubsistenceMineral,
        sold: SoldSoFar,
        quantity: &str,
    ) -> Result<Cupo, CupoError> {
        let caps = SubsistenceCaps::default();
        check_purchase(&caps, mineral, sold, sale(quantity), caps.cap(mineral).unit)
    }

    #[test]
    fn defaults_are_the_reported_table() {
        let caps = SubsistenceCaps::default();
        let rows = [
            (M::MetalesPreciosos, "35", "420", Unit::Gram),
            (M::PiedrasPreciosas, "50", "600", Unit::Carat),
            (M::ArenasYGravasDeRio, "80", "960", Unit::CubicMetre),
            (M::Arcillas, "80", "960", Unit::Tonne),
        ];
        for (mineral, monthly, yearly, unit) in rows {
            let cap = caps.cap(mineral);
            assert_eq!(cap.monthly, Some(d(monthly)));
            assert_eq!(cap.yearly, d(yearly));
            assert_eq!(cap.unit, unit);
            // The resolution's monthly figure is the yearly one over twelve, in every row.
            assert_eq!(cap.yearly / Decimal::from(12), d(monthly));
        }
        assert_eq!(caps.validate(), Ok(()));
    }

    #[test]
    fn selling_exactly_the_monthly_cupo_is_allowed_and_leaves_zero() {
        let left = check(
            M::MetalesPreciosos,
            sold(M::MetalesPreciosos, "20", "20"),
            "15",
        )
        .unwrap();
        assert_eq!(left.month, Some(Decimal::ZERO));
        assert_eq!(left.year, d("385"));
        assert_eq!(left.sellable_now(), Decimal::ZERO);
    }

    #[test]
    fn one_ten_thousandth_over_the_monthly_cupo_is_refused_with_the_figures() {
        let error = check(
            M::MetalesPreciosos,
            sold(M::MetalesPreciosos, "20", "20"),
            "15.0001",
        )
        .unwrap_err();
        assert_eq!(
            error,
            CupoError::ExceedsMonthlyCap {
                mineral: M::MetalesPreciosos,
                unit: Unit::Gram,
                cap: d("35"),
                sold: d("20"),
                available: d("15"),
                requested: d("15.0001"),
            }
        );
        assert_eq!(error.code(), "subsistence_exceeds_monthly_cap");
        assert_eq!(
            error.to_string(),
            "La venta de 15,0001 g supera el cupo mensual de metales preciosos (oro, plata y \
             platino) del minero de subsistencia: cupo 35 g, vendido en el mes 20 g, disponible \
             15 g."
        );
    }

    #[test]
    fn the_yearly_cap_binds_even_with_monthly_cupo_left() {
        // December: nothing sold this month, but 940 m3 this year.
        let history = sold(M::ArenasYGravasDeRio, "0", "940");
        let exact = check(M::ArenasYGravasDeRio, history, "20").unwrap();
        assert_eq!(exact.year, Decimal::ZERO);
        assert_eq!(exact.month, Some(d("60")));

        let error = check(M::ArenasYGravasDeRio, history, "20.5").unwrap_err();
        assert_eq!(error.code(), "subsistence_exceeds_yearly_cap");
        assert_eq!(
            error.to_string(),
            "La venta de 20,5 m3 supera el cupo anual de arenas y gravas de río del minero de \
             subsistencia: cupo 960 m3, vendido en el año 940 m3, disponible 20 m3."
        );
    }

    #[test]
    fn when_both_caps_are_exceeded_the_tighter_one_is_named() {
        // Month: 80 - 70 = 10 left; year: 960 - 955 = 5 left. 12 exceeds both: the year is tighter.
        let error = check(M::Arcillas, sold(M::Arcillas, "70", "955"), "12").unwrap_err();
        assert!(matches!(error, CupoError::ExceedsYearlyCap { .. }));
        // Month: 5 left; year: 10 left: the month is tighter.
        let error = check(M::Arcillas, sold(M::Arcillas, "75", "950"), "12").unwrap_err();
        assert!(matches!(error, CupoError::ExceedsMonthlyCap { .. }));
        // A tie names the month.
        let error = check(M::Arcillas, sold(M::Arcillas, "75", "955"), "12").unwrap_err();
        assert!(matches!(error, CupoError::ExceedsMonthlyCap { .. }));
    }

    #[test]
    fn sales_in_other_units_are_converted_exactly_into_the_caps() {
        let caps = SubsistenceCaps::default();
        // One troy ounce of platinum is 31,1034768 g: within 35 g.
        let left = check_purchase(
            &caps,
            M::MetalesPreciosos,
            SoldSoFar::nothing(Unit::Gram),
            sale("1"),
            Unit::TroyOunce,
        )
        .unwrap();
        assert_eq!(left.month, Some(d("3.8965232")));
        // Two are not.
        let error = check_purchase(
            &caps,
            M::MetalesPreciosos,
            SoldSoFar::nothing(Unit::Gram),
            sale("2"),
            Unit::TroyOunce,
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("La venta de 62,2069536 g supera el cupo mensual")
        );
        // Gems: 10 g of emerald is 50 ct, the whole month.
        let left = check_purchase(
            &caps,
            M::PiedrasPreciosas,
            SoldSoFar::nothing(Unit::Carat),
            sale("10"),
            Unit::Gram,
        )
        .unwrap();
        assert_eq!(left.month, Some(Decimal::ZERO));
        // History in kilograms against a cap in tonnes.
        let history = SoldSoFar::new(d("79500"), d("79500"), Unit::Kilogram);
        let left =
            check_purchase(&caps, M::Arcillas, history, sale("500"), Unit::Kilogram).unwrap();
        assert_eq!(left.month, Some(Decimal::ZERO));
    }

    #[test]
    fn mass_and_volume_do_not_mix() {
        let caps = SubsistenceCaps::default();
        let error = check_purchase(
            &caps,
            M::ArenasYGravasDeRio,
            SoldSoFar::nothing(Unit::CubicMetre),
            sale("1"),
            Unit::Tonne,
        )
        .unwrap_err();
        assert_eq!(error.code(), "unit_incompatible");
        assert!(matches!(
            cupo(&caps, M::Arcillas, SoldSoFar::nothing(Unit::CubicMetre)),
            Err(CupoError::Unit(UnitError::IncompatibleUnits { .. }))
        ));
    }

    #[test]
    fn without_a_monthly_cap_only_the_year_counts() {
        let mut caps = SubsistenceCaps::default();
        caps.metales_preciosos.monthly = None;
        let nothing = SoldSoFar::nothing(Unit::Gram);
        let left =
            check_purchase(&caps, M::MetalesPreciosos, nothing, sale("420"), Unit::Gram).unwrap();
        assert_eq!(left.month, None);
        assert_eq!(left.year, Decimal::ZERO);
        assert!(matches!(
            check_purchase(
                &caps,
                M::MetalesPreciosos,
                nothing,
                sale("420.01"),
                Unit::Gram
            ),
            Err(CupoError::ExceedsYearlyCap { .. })
        ));
    }

    #[test]
    fn a_cap_lowered_below_past_sales_leaves_no_cupo() {
        let mut caps = SubsistenceCaps::default();
        caps.metales_preciosos.monthly = Some(d("30"));
        caps.metales_preciosos.yearly = d("360");
        let history = sold(M::MetalesPreciosos, "33", "400");
        let left = cupo(&caps, M::MetalesPreciosos, history).unwrap();
        assert_eq!(left.month, Some(Decimal::ZERO));
        assert_eq!(left.year, Decimal::ZERO);
        assert!(
            check_purchase(
                &caps,
                M::MetalesPreciosos,
                history,
                sale("0.0001"),
                Unit::Gram
            )
            .is_err()
        );
    }

    #[test]
    fn an_inconsistent_history_is_refused() {
        let error = check(M::Arcillas, sold(M::Arcillas, "-1", "0"), "1").unwrap_err();
        assert_eq!(error.code(), "subsistence_negative_sold");
        let error = check(M::Arcillas, sold(M::Arcillas, "11", "10"), "1").unwrap_err();
        assert_eq!(error.code(), "subsistence_month_above_year");
        assert_eq!(
            error.to_string(),
            "Las ventas del mes (11) no pueden superar las del año (10), que las incluyen."
        );
    }

    #[test]
    fn an_invalid_configuration_is_refused() {
        let mut caps = SubsistenceCaps::default();
        caps.arcillas.monthly = Some(d("1000"));
        assert_eq!(
            caps.validate(),
            Err(CupoError::InvalidCap {
                mineral: M::Arcillas
            })
        );
        let nothing = SoldSoFar::nothing(Unit::Gram);
        assert!(
            check_purchase(&caps, M::MetalesPreciosos, nothing, sale("1"), Unit::Gram).is_err()
        );
        let mut caps = SubsistenceCaps::default();
        caps.piedras_preciosas.yearly = d("-1");
        assert_eq!(
            caps.validate().unwrap_err().code(),
            "subsistence_invalid_cap"
        );
    }

    #[test]
    fn huge_figures_are_an_error_not_a_panic() {
        let max = Decimal::MAX;
        let history = SoldSoFar::new(max, max, Unit::Tonne);
        assert!(check(M::Arcillas, history, "1").is_err());
        // Converting a huge history into a smaller unit overflows: an error too.
        let huge_in_tonnes = SoldSoFar::new(max, max, Unit::Tonne);
        let caps = SubsistenceCaps::default();
        assert!(matches!(
            cupo(&caps, M::MetalesPreciosos, huge_in_tonnes),
            Err(CupoError::Unit(UnitError::ConversionOverflow { .. }))
        ));
    }

    #[test]
    fn cupo_display_is_spanish() {
        let left = cupo(
            &SubsistenceCaps::default(),
            M::MetalesPreciosos,
            sold(M::MetalesPreciosos, "2.5", "100"),
        )
        .unwrap();
        assert_eq!(
            left.to_string(),
            "Cupo disponible de metales preciosos (oro, plata y platino): 32,5 g en el mes, 320 g \
             en el año."
        );
    }

    #[test]
    fn rows_map_to_groups_codes_and_catalogue_minerals() {
        assert_eq!(M::MetalesPreciosos.group(), MineralGroup::MetalesPreciosos);
        assert_eq!(M::PiedrasPreciosas.group(), MineralGroup::PiedrasPreciosas);
        assert_eq!(
            M::ArenasYGravasDeRio.group(),
            MineralGroup::MaterialesConstruccion
        );
        assert_eq!(M::Arcillas.group(), MineralGroup::MaterialesConstruccion);
        let codes: std::collections::HashSet<_> = M::ALL.iter().map(|m| m.code()).collect();
        assert_eq!(codes.len(), M::ALL.len());
        for mineral in M::ALL {
            use serde::de::IntoDeserializer;
            let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
                mineral.code().into_deserializer();
            assert_eq!(
                SubsistenceMineral::deserialize(deserializer).unwrap(),
                mineral
            );
        }
        for mineral in Mineral::all() {
            let row = SubsistenceMineral::for_mineral(*mineral);
            if let Some(row) = row {
                // The catalogue's unit converts into the cap's: the check can always run.
                let cap_unit = SubsistenceCaps::default().cap(row).unit;
                assert_eq!(
                    mineral.unit().dimension(),
                    cap_unit.dimension(),
                    "{}",
                    mineral.name()
                );
            }
            match mineral.group() {
                MineralGroup::Carbon | MineralGroup::MineralesMetalicos => assert_eq!(row, None),
                MineralGroup::MetalesPreciosos => assert_eq!(row, Some(M::MetalesPreciosos)),
                MineralGroup::PiedrasPreciosas => assert_eq!(row, Some(M::PiedrasPreciosas)),
                _ => {}
            }
        }
        let arenas = Mineral::resolve("arenas").unwrap();
        assert_eq!(
            SubsistenceMineral::for_mineral(arenas),
            Some(M::ArenasYGravasDeRio)
        );
        let arcillas = Mineral::resolve("arcillas").unwrap();
        assert_eq!(SubsistenceMineral::for_mineral(arcillas), Some(M::Arcillas));
    }

    // --- properties ---

    /// Up to 500 units with four decimals.
    fn amount() -> impl Strategy<Value = Decimal> {
        (0_i64..5_000_000).prop_map(|ten_thousandths| Decimal::new(ten_thousandths, 4))
    }

    fn sale_amount() -> impl Strategy<Value = Decimal> {
        (1_i64..5_000_000).prop_map(|ten_thousandths| Decimal::new(ten_thousandths, 4))
    }

    fn any_mineral() -> impl Strategy<Value = SubsistenceMineral> {
        prop::sample::select(M::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn accepted_exactly_when_within_both_caps(
            mineral in any_mineral(),
            month in amount(),
            earlier in amount(),
            quantity in sale_amount(),
        ) {
            let caps = SubsistenceCaps::default();
            let cap = caps.cap(mineral);
            let history = SoldSoFar::new(month, month + earlier, cap.unit);
            let within = month + quantity <= cap.monthly.unwrap()
                && month + earlier + quantity <= cap.yearly;
            let result = check_purchase(&caps, mineral, history, SaleQuantity::new(quantity).unwrap(), cap.unit);
            prop_assert_eq!(result.is_ok(), within);
            let before = cupo(&caps, mineral, history).unwrap();
            prop_assert_eq!(result.is_ok(), quantity <= before.sellable_now());
            match result {
                Ok(after) => {
                    prop_assert_eq!(after.month, Some(cap.monthly.unwrap() - month - quantity));
                    prop_assert_eq!(after.year, cap.yearly - month - earlier - quantity);
                    prop_assert!(after.sellable_now() >= Decimal::ZERO);
                }
                Err(CupoError::ExceedsMonthlyCap { available, requested, .. })
                | Err(CupoError::ExceedsYearlyCap { available, requested, .. }) => {
                    prop_assert!(requested > available);
                    prop_assert_eq!(available, before.sellable_now());
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }

        #[test]
        fn a_year_of_accepted_sales_never_exceeds_the_caps(
            mineral in any_mineral(),
            sales in prop::collection::vec((0_usize..12, sale_amount()), 0..200),
        ) {
            let caps = SubsistenceCaps::default();
            let cap = caps.cap(mineral);
            let mut per_month = [Decimal::ZERO; 12];
            let mut year = Decimal::ZERO;
            let mut sales = sales;
            sales.sort_by_key(|(month, _)| *month);
            for (month, quantity) in sales {
                let history = SoldSoFar::new(per_month[month], year, cap.unit);
                let sale = SaleQuantity::new(quantity).unwrap();
                if check_purchase(&caps, mineral, history, sale, cap.unit).is_ok() {
                    per_month[month] += quantity;
                    year += quantity;
                }
                prop_assert!(per_month[month] <= cap.monthly.unwrap());
                prop_assert!(year <= cap.yearly);
            }
        }

        #[test]
        fn the_unit_of_the_sale_does_not_change_the_verdict(
            month in amount(), quantity_g in (1_i64..400_000).prop_map(|mg| Decimal::new(mg, 3)),
        ) {
            // The same gold in grams and in kilograms.
            let caps = SubsistenceCaps::default();
            let history = SoldSoFar::new(month, month, Unit::Gram);
            let in_grams = check_purchase(
                &caps, M::MetalesPreciosos, history, SaleQuantity::new(quantity_g).unwrap(), Unit::Gram,
            );
            let kilograms = quantity_g / Decimal::from(1_000);
            let in_kilograms = SaleQuantity::new(kilograms).map(|kg| {
                check_purchase(&caps, M::MetalesPreciosos, history, kg, Unit::Kilogram)
            });
            // Kilograms with more than four decimals are not a valid sale quantity at all.
            if let Ok(in_kilograms) = in_kilograms {
                prop_assert_eq!(in_grams, in_kilograms);
            }
        }
    }
}
