//! Units of measure and exact conversions between them.
//!
//! Every unit belongs to one [`Dimension`] and is an exact rational multiple of that dimension's
//! canonical unit (length cm, area cm², velocity cm/s, volume mL, time s, …). Conversions multiply
//! and divide by small integers only, so `5 m/s → 500 cm/s` and `3 mm → 0.3 cm` are correctly
//! rounded f64 results, not `3 × 0.1`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A physical dimension; values are only convertible within one dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Lengths (canonical unit cm).
    Length,
    /// Areas (canonical unit cm²).
    Area,
    /// Velocities (canonical unit cm/s).
    Velocity,
    /// Volumes (canonical unit mL).
    Volume,
    /// Volume flow rates (canonical unit mL/s).
    Flow,
    /// Percentages (canonical unit %).
    Percent,
    /// Times (canonical unit s).
    Time,
    /// Angles (canonical unit degrees).
    Angle,
    /// Pressures (canonical unit mmHg).
    Pressure,
    /// Dimensionless ratios.
    Ratio,
}

/// A unit of measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// Centimetre.
    Cm,
    /// Millimetre.
    Mm,
    /// Metre.
    M,
    /// Square centimetre.
    Cm2,
    /// Square millimetre.
    Mm2,
    /// Centimetre per second.
    CmPerS,
    /// Metre per second.
    MPerS,
    /// Millilitre.
    Ml,
    /// Litre.
    L,
    /// Millilitre per second.
    MlPerS,
    /// Percent.
    Percent,
    /// Second.
    S,
    /// Millisecond.
    Ms,
    /// Degree of arc.
    Deg,
    /// Millimetre of mercury.
    MmHg,
    /// Dimensionless ratio.
    Ratio,
}

/// Every unit, for listings and round-trip tests.
pub const ALL_UNITS: [Unit; 16] = [
    Unit::Cm,
    Unit::Mm,
    Unit::M,
    Unit::Cm2,
    Unit::Mm2,
    Unit::CmPerS,
    Unit::MPerS,
    Unit::Ml,
    Unit::L,
    Unit::MlPerS,
    Unit::Percent,
    Unit::S,
    Unit::Ms,
    Unit::Deg,
    Unit::MmHg,
    Unit::Ratio,
];

/// The string did not name a known unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown unit `{0}`")]
pub struct UnknownUnit(pub String);

/// A conversion between units of different dimensions was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot convert {from} to {to}: different dimensions")]
pub struct IncompatibleUnits {
    /// Unit converted from.
    pub from: Unit,
    /// Unit converted to.
    pub to: Unit,
}

impl Unit {
    /// The canonical symbol (UCUM-like, ASCII): `cm`, `cm2`, `cm/s`, `ml`, `%`, `mmHg`, ….
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Cm => "cm",
            Unit::Mm => "mm",
            Unit::M => "m",
            Unit::Cm2 => "cm2",
            Unit::Mm2 => "mm2",
            Unit::CmPerS => "cm/s",
            Unit::MPerS => "m/s",
            Unit::Ml => "ml",
            Unit::L => "l",
            Unit::MlPerS => "ml/s",
            Unit::Percent => "%",
            Unit::S => "s",
            Unit::Ms => "ms",
            Unit::Deg => "deg",
            Unit::MmHg => "mmHg",
            Unit::Ratio => "ratio",
        }
    }

    /// A human-readable symbol for reports (`cm²`, `mL`, `°`).
    pub fn display_symbol(self) -> &'static str {
        match self {
            Unit::Cm2 => "cm²",
            Unit::Mm2 => "mm²",
            Unit::Ml => "mL",
            Unit::L => "L",
            Unit::MlPerS => "mL/s",
            Unit::Deg => "°",
            Unit::Ratio => "",
            other => other.symbol(),
        }
    }

    /// The dimension this unit measures.
    pub fn dimension(self) -> Dimension {
        match self {
            Unit::Cm | Unit::Mm | Unit::M => Dimension::Length,
            Unit::Cm2 | Unit::Mm2 => Dimension::Area,
            Unit::CmPerS | Unit::MPerS => Dimension::Velocity,
            Unit::Ml | Unit::L => Dimension::Volume,
            Unit::MlPerS => Dimension::Flow,
            Unit::Percent => Dimension::Percent,
            Unit::S | Unit::Ms => Dimension::Time,
            Unit::Deg => Dimension::Angle,
            Unit::MmHg => Dimension::Pressure,
            Unit::Ratio => Dimension::Ratio,
        }
    }

    /// The canonical unit of this unit's dimension.
    pub fn canonical(self) -> Unit {
        match self.dimension() {
            Dimension::Length => Unit::Cm,
            Dimension::Area => Unit::Cm2,
            Dimension::Velocity => Unit::CmPerS,
            Dimension::Volume => Unit::Ml,
            Dimension::Flow => Unit::MlPerS,
            Dimension::Percent => Unit::Percent,
            Dimension::Time => Unit::S,
            Dimension::Angle => Unit::Deg,
            Dimension::Pressure => Unit::MmHg,
            Dimension::Ratio => Unit::Ratio,
        }
    }

    /// This unit as the exact fraction `num/den` of the canonical unit.
    fn ratio_to_canonical(self) -> (f64, f64) {
        match self {
            Unit::Mm => (1.0, 10.0),
            Unit::M => (100.0, 1.0),
            Unit::Mm2 => (1.0, 100.0),
            Unit::MPerS => (100.0, 1.0),
            Unit::L => (1000.0, 1.0),
            Unit::Ms => (1.0, 1000.0),
            _ => (1.0, 1.0),
        }
    }

    /// Converts `value` from this unit to `to`.
    pub fn convert(self, value: f64, to: Unit) -> Result<f64, IncompatibleUnits> {
        if self.dimension() != to.dimension() {
            return Err(IncompatibleUnits { from: self, to });
        }
        if self == to {
            return Ok(value);
        }
        let (n1, d1) = self.ratio_to_canonical();
        let (n2, d2) = to.ratio_to_canonical();
        // value * (n1/d1) / (n2/d2) = value * (n1*d2) / (d1*n2); both products are exact integers.
        let num = n1 * d2;
        let den = d1 * n2;
        Ok(if num == 1.0 {
            value / den
        } else if den == 1.0 {
            value * num
        } else {
            value * num / den
        })
    }

    /// Parses a unit symbol; accepts common spellings (`mL`, `L`, `cm²`, `cm^2`, `°`, `mm[Hg]`).
    pub fn parse(text: &str) -> Result<Unit, UnknownUnit> {
        let t = text.trim();
        let unit = match t {
            "cm" => Unit::Cm,
            "mm" => Unit::Mm,
            "m" => Unit::M,
            "cm2" | "cm²" | "cm^2" | "sq cm" => Unit::Cm2,
            "mm2" | "mm²" | "mm^2" | "sq mm" => Unit::Mm2,
            "cm/s" | "cm/sec" | "cm s-1" => Unit::CmPerS,
            "m/s" | "m/sec" | "m s-1" => Unit::MPerS,
            "ml" | "mL" | "ML" | "cm3" | "cm³" => Unit::Ml,
            "l" | "L" => Unit::L,
            "ml/s" | "mL/s" | "ml/sec" | "mL/sec" => Unit::MlPerS,
            "%" | "percent" => Unit::Percent,
            "s" | "sec" => Unit::S,
            "ms" | "msec" => Unit::Ms,
            "deg" | "°" | "degree" | "degrees" => Unit::Deg,
            "mmHg" | "mmhg" | "mm[Hg]" | "mm Hg" => Unit::MmHg,
            "ratio" | "1" => Unit::Ratio,
            _ => return Err(UnknownUnit(text.to_owned())),
        };
        Ok(unit)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl FromStr for Unit {
    type Err = UnknownUnit;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::parse(s)
    }
}

impl Serialize for Unit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.symbol())
    }
}

impl<'de> Deserialize<'de> for Unit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Unit::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_are_exact() {
        assert_eq!(Unit::MPerS.convert(5.0, Unit::CmPerS), Ok(500.0));
        assert_eq!(Unit::Mm.convert(3.0, Unit::Cm), Ok(0.3));
        assert_eq!(Unit::Mm2.convert(40.0, Unit::Cm2), Ok(0.4));
        assert_eq!(Unit::L.convert(0.06, Unit::Ml), Ok(60.0));
        assert_eq!(Unit::Ms.convert(250.0, Unit::S), Ok(0.25));
        assert_eq!(Unit::Cm.convert(0.75, Unit::Mm), Ok(7.5));
        assert_eq!(Unit::CmPerS.convert(120.0, Unit::MPerS), Ok(1.2));
        assert_eq!(Unit::M.convert(0.02, Unit::Mm), Ok(20.0));
    }

    #[test]
    fn incompatible_units_are_rejected() {
        assert!(Unit::Cm.convert(1.0, Unit::Cm2).is_err());
        assert!(Unit::Percent.convert(1.0, Unit::Ratio).is_err());
    }

    #[test]
    fn symbols_round_trip() {
        for unit in ALL_UNITS {
            assert_eq!(Unit::parse(unit.symbol()), Ok(unit));
            assert_eq!(unit.canonical().dimension(), unit.dimension());
        }
        assert_eq!(Unit::parse("mL"), Ok(Unit::Ml));
        assert_eq!(Unit::parse("L"), Ok(Unit::L));
        assert_eq!(Unit::parse("cm²"), Ok(Unit::Cm2));
        assert_eq!(
            Unit::parse("furlong"),
            Err(UnknownUnit("furlong".to_owned()))
        );
    }
}
