//! Computes every derivable quantity and chooses the graded value per parameter (§9 item 7).

use std::collections::BTreeMap;

use super::formulas as f;
use super::{CalcInput, Calculation, Derived, Hundredths, Warning, display_2dp};
use crate::measure::Unit;
use crate::measure::geometry;

/// Largest allowed difference between two methods before an inconsistency warning (hundredths).
const RVOL_TOLERANCE: i64 = 1500; // 15 mL
const RF_TOLERANCE: i64 = 1000; // 10 percentage points

/// Short number text for substituted formulas (up to 4 decimals, trailing zeros trimmed).
fn n(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

struct Builder<'a> {
    input: &'a CalcInput,
    out: Calculation,
}

impl<'a> Builder<'a> {
    /// An input or already derived value.
    fn v(&self, id: &str) -> Option<f64> {
        self.out
            .derived
            .get(id)
            .map(|d| d.value)
            .or_else(|| self.input.values.get(id).map(|k| k.value))
    }

    fn sources_of(&self, ids: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for id in ids {
            let src = if let Some(d) = self.out.derived.get(*id) {
                &d.sources
            } else if let Some(k) = self.input.values.get(*id) {
                &k.sources
            } else if let Some(s) = self.input.contour_sources.get(*id) {
                s
            } else {
                continue;
            };
            for s in src {
                if !all.contains(s) {
                    all.push(s.clone());
                }
            }
        }
        all
    }

    #[allow(clippy::too_many_arguments)]
    fn put(
        &mut self,
        id: &str,
        value: f64,
        unit: Unit,
        method: &str,
        formula: &str,
        substituted: String,
        inputs: &[&str],
    ) {
        if !value.is_finite() {
            self.out.warnings.push(Warning::new(
                "not_computable",
                format!("{id} is not a finite number ({formula}); not reported"),
            ));
            return;
        }
        let sources = self.sources_of(inputs);
        self.out.derived.insert(
            id.to_owned(),
            Derived {
                value,
                unit,
                display: display_2dp(value),
                formula: formula.to_owned(),
                substituted,
                method: method.to_owned(),
                inputs: inputs.iter().map(|s| (*s).to_owned()).collect(),
                sources,
            },
        );
    }

    /// Copies derived `from` to `to` (the graded value of a parameter).
    fn select(&mut self, to: &str, from: &str) {
        if let Some(d) = self.out.derived.get(from).cloned() {
            let mut d = d;
            if !d.inputs.iter().any(|i| i == from) && to != from {
                d.inputs.insert(0, from.to_owned());
            }
            self.out.derived.insert(to.to_owned(), d);
        }
    }

    /// Copies the entered value `id` into the derived map (method `entered`).
    fn entered(&mut self, id: &str, unit: Unit) -> bool {
        let Some(k) = self.input.values.get(id) else {
            return false;
        };
        let (value, sources) = (k.value, k.sources.clone());
        self.out.derived.insert(
            id.to_owned(),
            Derived {
                value,
                unit,
                display: display_2dp(value),
                formula: format!("{id} entered directly"),
                substituted: format!("{} {}", n(value), unit.display_symbol()),
                method: "entered".to_owned(),
                inputs: vec![id.to_owned()],
                sources,
            },
        );
        true
    }

    fn warn(&mut self, code: &str, message: String) {
        self.out.warnings.push(Warning::new(code, message));
    }

    fn pisa(&mut self) {
        let (Some(r), Some(va)) = (self.v("mr_pisa_radius"), self.v("mr_alias_velocity")) else {
            return;
        };
        let alpha = self.v("mr_pisa_angle").unwrap_or(180.0);
        let q = f::pisa_flow(r, va, alpha);
        self.put(
            "mr_pisa_flow",
            q,
            Unit::MlPerS,
            "pisa",
            "Q = 2π·r²·Va·(α/180)",
            format!("2π·{}²·{}·({}/180) = {} mL/s", n(r), n(va), n(alpha), n(q)),
            &["mr_pisa_radius", "mr_alias_velocity", "mr_pisa_angle"],
        );
        let Some(vmax) = self.v("mr_vmax") else {
            return;
        };
        if let Some(e) = f::eroa(q, vmax) {
            self.put(
                "mr_eroa_pisa",
                e,
                Unit::Cm2,
                "pisa",
                "EROA = 2π·r²·Va·(α/180) / Vmax",
                format!("{} mL/s / {} cm/s = {} cm²", n(q), n(vmax), n(e)),
                &["mr_pisa_flow", "mr_vmax"],
            );
            // The r²/2 shortcut is the PISA formula itself when Va = 40 cm/s and Vmax = 5 m/s;
            // it is reported only then, as a cross-check.
            let applies = Hundredths::round(va) == Some(Hundredths(4000))
                && Hundredths::round(vmax) == Some(Hundredths(50000))
                && Hundredths::round(alpha) == Some(Hundredths(18000));
            if !applies {
                return;
            }
            let s = f::eroa_simplified(r);
            self.put(
                "mr_eroa_simplified",
                s,
                Unit::Cm2,
                "simplified_pisa_qc",
                "EROA ≈ r²/2 (QC only; valid for Va = 40 cm/s and Vmax = 5 m/s)",
                format!("{}²/2 = {} cm²", n(r), n(s)),
                &["mr_pisa_radius"],
            );
        } else {
            self.warn(
                "not_computable",
                "EROA by PISA needs a positive MR peak velocity (mr_vmax)".to_owned(),
            );
        }
    }

    fn gradient(&mut self) {
        if let Some(vmax) = self.v("mr_vmax") {
            let g = geometry::bernoulli_gradient_mmhg(vmax);
            self.put(
                "mr_peak_gradient",
                g,
                Unit::MmHg,
                "bernoulli",
                "ΔP = 4·Vmax² (Vmax in m/s)",
                format!("4·{}² = {} mmHg", n(vmax / 100.0), n(g)),
                &["mr_vmax"],
            );
        }
    }

    fn stroke_volumes(&mut self) {
        if let (Some(d), Some(vti)) = (self.v("lvot_diameter"), self.v("lvot_vti")) {
            let sv = f::stroke_volume(d, vti);
            self.put(
                "sv_lvot",
                sv,
                Unit::Ml,
                "doppler",
                "SV_LVOT = π·(D/2)²·VTI_LVOT",
                format!("π·({}/2)²·{} = {} mL", n(d), n(vti), n(sv)),
                &["lvot_diameter", "lvot_vti"],
            );
        }
        if let (Some(d), Some(vti)) = (self.v("ma_diameter"), self.v("ma_vti")) {
            let sv = f::stroke_volume(d, vti);
            self.put(
                "sv_ma",
                sv,
                Unit::Ml,
                "doppler",
                "SV_MA = π·(D_MA/2)²·VTI_MA",
                format!("π·({}/2)²·{} = {} mL", n(d), n(vti), n(sv)),
                &["ma_diameter", "ma_vti"],
            );
        }
        if let (Some(ma), Some(lvot)) = (self.v("ma_vti"), self.v("lvot_vti"))
            && lvot > 0.0
        {
            let r = ma / lvot;
            self.put(
                "mv_lvot_vti_ratio",
                r,
                Unit::Ratio,
                "doppler",
                "VTI_MA / VTI_LVOT",
                format!("{} / {} = {}", n(ma), n(lvot), n(r)),
                &["ma_vti", "lvot_vti"],
            );
        }
    }

    /// One LV volume (`lv_edv` or `lv_esv`) from contours, single-plane values or entry.
    fn lv_volume(&mut self, target: &str, a4c: &str, a2c: &str) {
        let contours = &self.input.contours;
        if let (Some(c4), Some(c2)) = (contours.get(a4c), contours.get(a2c)) {
            match geometry::biplane_disks_volume(c4, c2) {
                Ok(v) => {
                    let (l4, l2) = (
                        v.view_lengths_cm.first().copied().unwrap_or(f64::NAN),
                        v.view_lengths_cm.get(1).copied().unwrap_or(f64::NAN),
                    );
                    self.put(
                        target,
                        v.volume_ml,
                        Unit::Ml,
                        "biplane_disks",
                        "V = π/4·Σ aᵢ·bᵢ·L/20 (biplane method of disks, longer L)",
                        format!(
                            "L_A4C = {} cm, L_A2C = {} cm, L = {} cm → {} mL",
                            n(l4),
                            n(l2),
                            n(v.length_cm),
                            n(v.volume_ml)
                        ),
                        &[a4c, a2c],
                    );
                    return;
                }
                Err(e) => self.warn(
                    "geometry",
                    format!("{target}: biplane disks from {a4c} and {a2c} failed: {e}"),
                ),
            }
        }
        for view in [a4c, a2c] {
            if let Some(c) = self.input.contours.get(view) {
                match geometry::single_plane_disks_volume(c) {
                    Ok(v) => {
                        self.put(
                            target,
                            v.volume_ml,
                            Unit::Ml,
                            "single_plane_disks",
                            "V = π/4·Σ aᵢ²·L/20 (single-plane method of disks)",
                            format!("L = {} cm → {} mL", n(v.length_cm), n(v.volume_ml)),
                            &[view],
                        );
                        return;
                    }
                    Err(e) => self.warn(
                        "geometry",
                        format!("{target}: single-plane disks from {view} failed: {e}"),
                    ),
                }
            }
        }
        for view in [a4c, a2c] {
            if let Some(v) = self.v(view) {
                self.put(
                    target,
                    v,
                    Unit::Ml,
                    "single_plane_entered",
                    "single-plane volume of one apical view",
                    format!("{} mL", n(v)),
                    &[view],
                );
                return;
            }
        }
        self.entered(target, Unit::Ml);
    }

    fn lv(&mut self) {
        self.lv_volume("lv_edv", "lv_a4c_ed", "lv_a2c_ed");
        self.lv_volume("lv_esv", "lv_a4c_es", "lv_a2c_es");
        let (edv, esv) = (self.v("lv_edv"), self.v("lv_esv"));
        if let (Some(edv), Some(esv)) = (edv, esv) {
            let sv = edv - esv;
            self.put(
                "sv_lv",
                sv,
                Unit::Ml,
                "lv_volumes",
                "SV = EDV − ESV",
                format!("{} − {} = {} mL", n(edv), n(esv), n(sv)),
                &["lv_edv", "lv_esv"],
            );
            if let Some(ef) = f::ejection_fraction(edv, esv) {
                self.put(
                    "lv_ef",
                    ef,
                    Unit::Percent,
                    "lv_volumes",
                    "EF = (EDV − ESV)/EDV × 100",
                    format!("({} − {})/{} × 100 = {} %", n(edv), n(esv), n(edv), n(ef)),
                    &["lv_edv", "lv_esv"],
                );
                if self.input.values.contains_key("lv_ef") {
                    self.warn(
                        "not_used",
                        "lv_ef entered directly is not used: EF is computed from the LV volumes"
                            .to_owned(),
                    );
                }
                return;
            }
        }
        self.entered("lv_ef", Unit::Percent);
    }

    fn jet_ratio(&mut self) {
        if let (Some(jet), Some(la)) = (self.v("mr_jet_area"), self.v("la_area"))
            && let Some(r) = f::jet_la_ratio(jet, la)
        {
            self.put(
                "mr_jet_la_ratio",
                r,
                Unit::Percent,
                "areas",
                "jet/LA = jet area / LA area × 100",
                format!("{} / {} × 100 = {} %", n(jet), n(la), n(r)),
                &["mr_jet_area", "la_area"],
            );
            return;
        }
        self.entered("mr_jet_la_ratio", Unit::Percent);
    }

    fn regurgitation(&mut self) {
        // EROA: PISA, else entered.
        if self.out.derived.contains_key("mr_eroa_pisa") {
            self.select("mr_eroa", "mr_eroa_pisa");
        } else {
            self.entered("mr_eroa", Unit::Cm2);
        }
        let sv_lvot = self.v("sv_lvot");
        // PISA RVol and RF.
        if let (Some(e), Some(vti)) = (self.v("mr_eroa"), self.v("mr_vti")) {
            let rv = f::rvol_pisa(e, vti);
            self.put(
                "mr_rvol_pisa",
                rv,
                Unit::Ml,
                "pisa",
                "RVol = EROA × VTI_MR",
                format!("{} × {} = {} mL", n(e), n(vti), n(rv)),
                &["mr_eroa", "mr_vti"],
            );
            if let Some(sv) = sv_lvot
                && let Some(rf) = f::rf_pisa(rv, sv)
            {
                self.put(
                    "mr_rf_pisa",
                    rf,
                    Unit::Percent,
                    "pisa",
                    "RF = RVol / (RVol + SV_LVOT) × 100",
                    format!("{} / ({} + {}) × 100 = {} %", n(rv), n(rv), n(sv), n(rf)),
                    &["mr_rvol_pisa", "sv_lvot"],
                );
            }
        }
        // Volumetric methods.
        if let Some(sv_lvot) = sv_lvot {
            for (total_id, suffix, method) in [
                ("sv_ma", "ma", "volumetric_ma"),
                ("sv_lv", "lv", "volumetric_lv"),
            ] {
                let Some(total) = self.v(total_id) else {
                    continue;
                };
                let rv = f::rvol_volumetric(total, sv_lvot);
                let rv_id = format!("mr_rvol_volumetric_{suffix}");
                self.put(
                    &rv_id,
                    rv,
                    Unit::Ml,
                    method,
                    &format!("RVol = {total_id} − SV_LVOT"),
                    format!("{} − {} = {} mL", n(total), n(sv_lvot), n(rv)),
                    &[total_id, "sv_lvot"],
                );
                if let Some(rf) = f::regurgitant_fraction(rv, total) {
                    self.put(
                        &format!("mr_rf_volumetric_{suffix}"),
                        rf,
                        Unit::Percent,
                        method,
                        &format!("RF = RVol / {total_id} × 100"),
                        format!("{} / {} × 100 = {} %", n(rv), n(total), n(rf)),
                        &[rv_id.as_str(), total_id],
                    );
                }
                if rv < 0.0 {
                    self.warn(
                        "negative_rvol",
                        format!(
                            "{rv_id} is negative ({} mL): forward SV exceeds {total_id}",
                            display_2dp(rv)
                        ),
                    );
                }
            }
        }
        for suffix in ["ma", "lv"] {
            if self
                .out
                .derived
                .contains_key(&format!("mr_rvol_volumetric_{suffix}"))
            {
                self.select(
                    "mr_rvol_volumetric",
                    &format!("mr_rvol_volumetric_{suffix}"),
                );
                self.select("mr_rf_volumetric", &format!("mr_rf_volumetric_{suffix}"));
                break;
            }
        }
        self.choose_rvol_rf();
        self.check_consistency();
    }

    /// §9 item 7: PISA, else volumetric MA, else volumetric LV, else entered; RF from the same
    /// method as RVol.
    fn choose_rvol_rf(&mut self) {
        for (rv_id, rf_id) in [
            ("mr_rvol_pisa", "mr_rf_pisa"),
            ("mr_rvol_volumetric_ma", "mr_rf_volumetric_ma"),
            ("mr_rvol_volumetric_lv", "mr_rf_volumetric_lv"),
        ] {
            if self.out.derived.contains_key(rv_id) {
                self.select("mr_rvol", rv_id);
                self.select("mr_rf", rf_id);
                for entered in ["mr_rvol", "mr_rf"] {
                    if self.input.values.contains_key(entered) {
                        self.warn(
                            "not_used",
                            format!(
                                "{entered} entered directly is not graded: RVol comes from \
                                 {rv_id} and RF must come from the same method"
                            ),
                        );
                    }
                }
                if !self.out.derived.contains_key(rf_id) {
                    self.warn(
                        "not_computable",
                        format!(
                            "RF by the method of {rv_id} needs the forward stroke volume \
                             (sv_lvot); RF is not graded"
                        ),
                    );
                }
                return;
            }
        }
        self.entered("mr_rvol", Unit::Ml);
        self.entered("mr_rf", Unit::Percent);
    }

    fn check_consistency(&mut self) {
        for (label, ids, tol, unit) in [
            (
                "RVol",
                [
                    "mr_rvol_pisa",
                    "mr_rvol_volumetric_ma",
                    "mr_rvol_volumetric_lv",
                ],
                RVOL_TOLERANCE,
                "mL",
            ),
            (
                "RF",
                ["mr_rf_pisa", "mr_rf_volumetric_ma", "mr_rf_volumetric_lv"],
                RF_TOLERANCE,
                "points",
            ),
        ] {
            let entered = if label == "RVol" { "mr_rvol" } else { "mr_rf" };
            let mut values: BTreeMap<usize, (String, Hundredths)> = BTreeMap::new();
            for (i, id) in ids.iter().enumerate() {
                if let Some(h) = self
                    .out
                    .derived
                    .get(*id)
                    .and_then(|d| Hundredths::round(d.value))
                {
                    values.insert(i, ((*id).to_owned(), h));
                }
            }
            if let Some(h) = self
                .input
                .values
                .get(entered)
                .and_then(|k| Hundredths::round(k.value))
            {
                values.insert(ids.len(), (format!("{entered} (entered)"), h));
            }
            let list: Vec<&(String, Hundredths)> = values.values().collect();
            for (i, a) in list.iter().enumerate() {
                for b in list.iter().skip(i + 1) {
                    let diff = (a.1.0 - b.1.0).abs();
                    if diff > tol {
                        let message = format!(
                            "internal inconsistency: {label} {} = {} vs {} = {} (difference {} {unit} > {} {unit})",
                            a.0,
                            a.1,
                            b.0,
                            b.1,
                            Hundredths(diff),
                            Hundredths(tol)
                        );
                        self.warn("internal_inconsistency", message);
                    }
                }
            }
        }
    }
}

/// Computes every derivable quantity from `input` and chooses the graded value per parameter.
pub fn derive(input: &CalcInput) -> Calculation {
    let mut b = Builder {
        input,
        out: Calculation::default(),
    };
    b.pisa();
    b.gradient();
    b.stroke_volumes();
    b.lv();
    b.jet_ratio();
    b.regurgitation();
    b.out
}
