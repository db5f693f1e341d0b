//! Typed codes of the US Region Calibration module (PS3.3 C.8.5.5, reference §6.1):
//! spatial format, data type, physical units and the region flags.

use serde::{Serialize, Serializer};

/// Region Spatial Format (0018,6012).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpatialFormat {
    /// 0000H none or not applicable.
    None,
    /// 0001H 2D (tissue or flow).
    TwoD,
    /// 0002H M-mode.
    MMode,
    /// 0003H spectral (CW or PW Doppler).
    Spectral,
    /// 0004H waveform (physiological traces, Doppler traces).
    Waveform,
    /// 0005H graphics.
    Graphics,
    /// Any other code.
    Unknown(u16),
}

impl SpatialFormat {
    /// From the stored code.
    pub fn from_code(code: u16) -> Self {
        match code {
            0 => Self::None,
            1 => Self::TwoD,
            2 => Self::MMode,
            3 => Self::Spectral,
            4 => Self::Waveform,
            5 => Self::Graphics,
            other => Self::Unknown(other),
        }
    }

    /// The stored code.
    pub fn code(self) -> u16 {
        match self {
            Self::None => 0,
            Self::TwoD => 1,
            Self::MMode => 2,
            Self::Spectral => 3,
            Self::Waveform => 4,
            Self::Graphics => 5,
            Self::Unknown(code) => code,
        }
    }

    /// Short word for output (`2d`, `m-mode`, `spectral`, …).
    pub fn word(self) -> String {
        match self {
            Self::None => "none".to_owned(),
            Self::TwoD => "2d".to_owned(),
            Self::MMode => "m-mode".to_owned(),
            Self::Spectral => "spectral".to_owned(),
            Self::Waveform => "waveform".to_owned(),
            Self::Graphics => "graphics".to_owned(),
            Self::Unknown(code) => format!("unknown-{code:04x}"),
        }
    }
}

/// Region Data Type (0018,6014).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionDataType {
    /// 0000H none.
    None,
    /// 0001H tissue.
    Tissue,
    /// 0002H colour flow.
    ColorFlow,
    /// 0003H PW spectral Doppler.
    PwSpectralDoppler,
    /// 0004H CW spectral Doppler.
    CwSpectralDoppler,
    /// 0005H Doppler mean trace.
    DopplerMeanTrace,
    /// 0006H Doppler mode trace.
    DopplerModeTrace,
    /// 0007H Doppler max trace.
    DopplerMaxTrace,
    /// 0008H volume trace.
    VolumeTrace,
    /// 000AH ECG trace.
    EcgTrace,
    /// 000BH pulse trace.
    PulseTrace,
    /// 000CH phonocardiogram trace.
    PhonocardiogramTrace,
    /// 000DH grey bar.
    GrayBar,
    /// 000EH colour bar.
    ColorBar,
    /// 000FH integrated backscatter.
    IntegratedBackscatter,
    /// 0010H area trace.
    AreaTrace,
    /// 0011H d(area)/dt.
    DAreaDt,
    /// 0012H other physiological input.
    OtherPhysiological,
    /// Any other code.
    Unknown(u16),
}

impl RegionDataType {
    /// From the stored code.
    pub fn from_code(code: u16) -> Self {
        match code {
            0x00 => Self::None,
            0x01 => Self::Tissue,
            0x02 => Self::ColorFlow,
            0x03 => Self::PwSpectralDoppler,
            0x04 => Self::CwSpectralDoppler,
            0x05 => Self::DopplerMeanTrace,
            0x06 => Self::DopplerModeTrace,
            0x07 => Self::DopplerMaxTrace,
            0x08 => Self::VolumeTrace,
            0x0A => Self::EcgTrace,
            0x0B => Self::PulseTrace,
            0x0C => Self::PhonocardiogramTrace,
            0x0D => Self::GrayBar,
            0x0E => Self::ColorBar,
            0x0F => Self::IntegratedBackscatter,
            0x10 => Self::AreaTrace,
            0x11 => Self::DAreaDt,
            0x12 => Self::OtherPhysiological,
            other => Self::Unknown(other),
        }
    }

    /// The stored code.
    pub fn code(self) -> u16 {
        (0..=0x12)
            .find(|&c| Self::from_code(c) == self)
            .unwrap_or(match self {
                Self::Unknown(code) => code,
                _ => 0,
            })
    }

    /// Short word for output (`tissue`, `color flow`, `pw spectral doppler`, …).
    pub fn word(self) -> String {
        let text = match self {
            Self::None => "none",
            Self::Tissue => "tissue",
            Self::ColorFlow => "color flow",
            Self::PwSpectralDoppler => "pw spectral doppler",
            Self::CwSpectralDoppler => "cw spectral doppler",
            Self::DopplerMeanTrace => "doppler mean trace",
            Self::DopplerModeTrace => "doppler mode trace",
            Self::DopplerMaxTrace => "doppler max trace",
            Self::VolumeTrace => "volume trace",
            Self::EcgTrace => "ecg trace",
            Self::PulseTrace => "pulse trace",
            Self::PhonocardiogramTrace => "phonocardiogram trace",
            Self::GrayBar => "gray bar",
            Self::ColorBar => "color bar",
            Self::IntegratedBackscatter => "integrated backscatter",
            Self::AreaTrace => "area trace",
            Self::DAreaDt => "d(area)/dt",
            Self::OtherPhysiological => "other physiological",
            Self::Unknown(code) => return format!("unknown-{code:04x}"),
        };
        text.to_owned()
    }

    /// True for PW/CW spectral Doppler strips.
    pub fn is_spectral_doppler(self) -> bool {
        matches!(self, Self::PwSpectralDoppler | Self::CwSpectralDoppler)
    }
}

/// Physical Units X/Y Direction (0018,6024/6026).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhysicalUnit {
    /// 0000H none.
    None,
    /// 0001H percent.
    Percent,
    /// 0002H dB.
    Db,
    /// 0003H cm.
    Cm,
    /// 0004H seconds.
    Seconds,
    /// 0005H hertz.
    Hertz,
    /// 0006H dB/s.
    DbPerSecond,
    /// 0007H cm/s.
    CmPerSecond,
    /// 0008H cm².
    Cm2,
    /// 0009H cm²/s.
    Cm2PerSecond,
    /// 000AH cm³.
    Cm3,
    /// 000BH cm³/s.
    Cm3PerSecond,
    /// 000CH degrees.
    Degrees,
    /// Any other code.
    Unknown(u16),
}

impl PhysicalUnit {
    /// From the stored code.
    pub fn from_code(code: u16) -> Self {
        match code {
            0x0 => Self::None,
            0x1 => Self::Percent,
            0x2 => Self::Db,
            0x3 => Self::Cm,
            0x4 => Self::Seconds,
            0x5 => Self::Hertz,
            0x6 => Self::DbPerSecond,
            0x7 => Self::CmPerSecond,
            0x8 => Self::Cm2,
            0x9 => Self::Cm2PerSecond,
            0xA => Self::Cm3,
            0xB => Self::Cm3PerSecond,
            0xC => Self::Degrees,
            other => Self::Unknown(other),
        }
    }

    /// The stored code.
    pub fn code(self) -> u16 {
        (0..=0xC)
            .find(|&c| Self::from_code(c) == self)
            .unwrap_or(match self {
                Self::Unknown(code) => code,
                _ => 0,
            })
    }

    /// The unit word: `none`, `%`, `db`, `cm`, `s`, `hz`, `db/s`, `cm/s`, `cm2`, `cm2/s`,
    /// `cm3`, `cm3/s`, `deg`.
    pub fn word(self) -> String {
        let text = match self {
            Self::None => "none",
            Self::Percent => "%",
            Self::Db => "db",
            Self::Cm => "cm",
            Self::Seconds => "s",
            Self::Hertz => "hz",
            Self::DbPerSecond => "db/s",
            Self::CmPerSecond => "cm/s",
            Self::Cm2 => "cm2",
            Self::Cm2PerSecond => "cm2/s",
            Self::Cm3 => "cm3",
            Self::Cm3PerSecond => "cm3/s",
            Self::Degrees => "deg",
            Self::Unknown(code) => return format!("unknown-{code:04x}"),
        };
        text.to_owned()
    }
}

macro_rules! serialize_as_word {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.word())
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.word())
            }
        }
    )*};
}
serialize_as_word!(SpatialFormat, RegionDataType, PhysicalUnit);

/// Doppler scale type (Region Flags bit 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DopplerScale {
    /// Bit 2 = 0: the Y axis is velocity.
    Velocity,
    /// Bit 2 = 1: the Y axis is frequency.
    Frequency,
}

/// Scrolling behaviour (Region Flags bits 3–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scrolling {
    /// 00: unspecified.
    Unspecified,
    /// 01: scrolling.
    Scrolling,
    /// 10: sweeping.
    Sweeping,
    /// 11: sweeping then scrolling.
    SweepingThenScrolling,
}

/// Decoded Region Flags (0018,6016).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RegionFlags {
    /// The raw flags word.
    pub raw: u32,
    /// Bit 0: 1 = low priority region.
    pub low_priority: bool,
    /// Bit 1: scaling protection.
    pub scaling_protection: bool,
    /// Bit 2: Doppler scale type.
    pub doppler_scale: DopplerScale,
    /// Bits 3–4.
    pub scrolling: Scrolling,
}

impl RegionFlags {
    /// From the stored word.
    pub fn from_raw(raw: u32) -> Self {
        Self {
            raw,
            low_priority: raw & 1 != 0,
            scaling_protection: raw & 2 != 0,
            doppler_scale: if raw & 4 != 0 {
                DopplerScale::Frequency
            } else {
                DopplerScale::Velocity
            },
            scrolling: match (raw >> 3) & 3 {
                1 => Scrolling::Scrolling,
                2 => Scrolling::Sweeping,
                3 => Scrolling::SweepingThenScrolling,
                _ => Scrolling::Unspecified,
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_words() {
        assert_eq!(PhysicalUnit::from_code(7).word(), "cm/s");
        assert_eq!(PhysicalUnit::from_code(5).word(), "hz");
        assert_eq!(PhysicalUnit::from_code(0x44), PhysicalUnit::Unknown(0x44));
        assert_eq!(RegionDataType::from_code(0x0A), RegionDataType::EcgTrace);
        assert_eq!(SpatialFormat::from_code(3).word(), "spectral");
        for code in 0..40 {
            assert_eq!(SpatialFormat::from_code(code).code(), code);
            assert_eq!(RegionDataType::from_code(code).code(), code);
            assert_eq!(PhysicalUnit::from_code(code).code(), code);
        }
        let flags = RegionFlags::from_raw(0b1_0101);
        assert!(flags.low_priority);
        assert_eq!(flags.doppler_scale, DopplerScale::Frequency);
        assert_eq!(flags.scrolling, Scrolling::Sweeping);
    }
}
