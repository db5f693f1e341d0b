//! Typed codes of the US Region Calibration module (PS3.3 C.8.5.5, reference §6.1):
//! spatial format, data type, physical units and the region flags.

use serde::{Serialize, Serializer};

/// Declares a DICOM enumerated code as a Rust enum with `Unknown(u16)` for codes outside the
/// standard, and `from_code` / `code` / `word` from one table (so the three cannot disagree).
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $word:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// Any other code.
            Unknown(u16),
        }

        impl $name {
            /// From the stored code.
            pub fn from_code(code: u16) -> Self {
                match code {
                    $( $code => Self::$variant, )*
                    other => Self::Unknown(other),
                }
            }

            /// The stored code.
            pub fn code(self) -> u16 {
                match self {
                    $( Self::$variant => $code, )*
                    Self::Unknown(code) => code,
                }
            }

            /// Short word for output (`unknown-XXXX` for codes outside the standard).
            pub fn word(self) -> String {
                match self {
                    $( Self::$variant => $word.to_owned(), )*
                    Self::Unknown(code) => format!("unknown-{code:04x}"),
                }
            }
        }
    };
}

coded_enum! {
    /// Region Spatial Format (0018,6012).
    SpatialFormat {
        /// 0000H none or not applicable.
        None = 0x0 => "none",
        /// 0001H 2D (tissue or flow).
        TwoD = 0x1 => "2d",
        /// 0002H M-mode.
        MMode = 0x2 => "m-mode",
        /// 0003H spectral (CW or PW Doppler).
        Spectral = 0x3 => "spectral",
        /// 0004H waveform (physiological traces, Doppler traces).
        Waveform = 0x4 => "waveform",
        /// 0005H graphics.
        Graphics = 0x5 => "graphics",
    }
}

coded_enum! {
    /// Region Data Type (0018,6014).
    RegionDataType {
        /// 0000H none.
        None = 0x00 => "none",
        /// 0001H tissue.
        Tissue = 0x01 => "tissue",
        /// 0002H colour flow.
        ColorFlow = 0x02 => "color flow",
        /// 0003H PW spectral Doppler.
        PwSpectralDoppler = 0x03 => "pw spectral doppler",
        /// 0004H CW spectral Doppler.
        CwSpectralDoppler = 0x04 => "cw spectral doppler",
        /// 0005H Doppler mean trace.
        DopplerMeanTrace = 0x05 => "doppler mean trace",
        /// 0006H Doppler mode trace.
        DopplerModeTrace = 0x06 => "doppler mode trace",
        /// 0007H Doppler max trace.
        DopplerMaxTrace = 0x07 => "doppler max trace",
        /// 0008H volume trace.
        VolumeTrace = 0x08 => "volume trace",
        /// 000AH ECG trace.
        EcgTrace = 0x0A => "ecg trace",
        /// 000BH pulse trace.
        PulseTrace = 0x0B => "pulse trace",
        /// 000CH phonocardiogram trace.
        PhonocardiogramTrace = 0x0C => "phonocardiogram trace",
        /// 000DH grey bar.
        GrayBar = 0x0D => "gray bar",
        /// 000EH colour bar.
        ColorBar = 0x0E => "color bar",
        /// 000FH integrated backscatter.
        IntegratedBackscatter = 0x0F => "integrated backscatter",
        /// 0010H area trace.
        AreaTrace = 0x10 => "area trace",
        /// 0011H d(area)/dt.
        DAreaDt = 0x11 => "d(area)/dt",
        /// 0012H other physiological input.
        OtherPhysiological = 0x12 => "other physiological",
    }
}

impl RegionDataType {
    /// True for PW/CW spectral Doppler strips.
    pub fn is_spectral_doppler(self) -> bool {
        matches!(self, Self::PwSpectralDoppler | Self::CwSpectralDoppler)
    }
}

coded_enum! {
    /// Physical Units X/Y Direction (0018,6024/6026). Words: `none`, `%`, `db`, `cm`, `s`, `hz`,
    /// `db/s`, `cm/s`, `cm2`, `cm2/s`, `cm3`, `cm3/s`, `deg`.
    PhysicalUnit {
        /// 0000H none.
        None = 0x0 => "none",
        /// 0001H percent.
        Percent = 0x1 => "%",
        /// 0002H dB.
        Db = 0x2 => "db",
        /// 0003H cm.
        Cm = 0x3 => "cm",
        /// 0004H seconds.
        Seconds = 0x4 => "s",
        /// 0005H hertz.
        Hertz = 0x5 => "hz",
        /// 0006H dB/s.
        DbPerSecond = 0x6 => "db/s",
        /// 0007H cm/s.
        CmPerSecond = 0x7 => "cm/s",
        /// 0008H cm².
        Cm2 = 0x8 => "cm2",
        /// 0009H cm²/s.
        Cm2PerSecond = 0x9 => "cm2/s",
        /// 000AH cm³.
        Cm3 = 0xA => "cm3",
        /// 000BH cm³/s.
        Cm3PerSecond = 0xB => "cm3/s",
        /// 000CH degrees.
        Degrees = 0xC => "deg",
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
