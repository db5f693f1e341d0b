//! SR content items (PS3.3 C.17.3) and their encoding as DICOM data sets.

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::sr_codes::Code;

/// Relationship of a content item to its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rel {
    Contains,
    HasConceptMod,
    HasObsContext,
    InferredFrom,
    SelectedFrom,
}

impl Rel {
    fn code(self) -> &'static str {
        match self {
            Rel::Contains => "CONTAINS",
            Rel::HasConceptMod => "HAS CONCEPT MOD",
            Rel::HasObsContext => "HAS OBS CONTEXT",
            Rel::InferredFrom => "INFERRED FROM",
            Rel::SelectedFrom => "SELECTED FROM",
        }
    }
}

/// One content item with its children.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Container {
        rel: Rel,
        concept: Code,
        children: Vec<Item>,
    },
    Code {
        rel: Rel,
        concept: Code,
        value: Code,
    },
    Num {
        rel: Rel,
        concept: Code,
        value: f64,
        unit: Code,
        children: Vec<Item>,
    },
    Text {
        rel: Rel,
        concept: Code,
        text: String,
    },
    PName {
        rel: Rel,
        concept: Code,
        name: String,
    },
    Image {
        rel: Rel,
        sop_class: String,
        sop_instance: String,
        frame: Option<u32>,
    },
    Scoord {
        rel: Rel,
        graphic_type: &'static str,
        points: Vec<f32>,
        children: Vec<Item>,
    },
}

pub(crate) fn el_str(tag: Tag, vr: VR, text: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(text))
}

pub(crate) fn el_seq(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

/// A code sequence item: Code Value, Coding Scheme Designator, Code Meaning.
pub(crate) fn code_item(c: Code) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        el_str(tags::CODE_VALUE, VR::SH, c.0),
        el_str(tags::CODING_SCHEME_DESIGNATOR, VR::SH, c.1),
        el_str(tags::CODE_MEANING, VR::LO, c.2),
    ])
}

/// A DS value of at most 16 characters, as precise as fits.
pub(crate) fn ds(v: f64) -> String {
    for decimals in (0..=6).rev() {
        let mut s = format!("{v:.decimals$}");
        if s.contains('.') {
            s = s.trim_end_matches('0').trim_end_matches('.').to_owned();
        }
        if s == "-0" {
            s = "0".to_owned();
        }
        if s.len() <= 16 {
            return s;
        }
    }
    format!("{v:.3e}")
}

fn base(rel: Rel, value_type: &str, concept: Option<Code>) -> InMemDicomObject {
    let mut o = InMemDicomObject::new_empty();
    o.put(el_str(tags::RELATIONSHIP_TYPE, VR::CS, rel.code()));
    o.put(el_str(tags::VALUE_TYPE, VR::CS, value_type));
    if let Some(c) = concept {
        o.put(el_seq(tags::CONCEPT_NAME_CODE_SEQUENCE, vec![code_item(c)]));
    }
    o
}

fn put_children(o: &mut InMemDicomObject, children: &[Item]) {
    if !children.is_empty() {
        o.put(el_seq(
            tags::CONTENT_SEQUENCE,
            children.iter().map(Item::to_dataset).collect(),
        ));
    }
}

/// A Referenced SOP Sequence item.
pub(crate) fn sop_ref(sop_class: &str, sop_instance: &str, frame: Option<u32>) -> InMemDicomObject {
    let mut r = InMemDicomObject::from_element_iter([
        el_str(tags::REFERENCED_SOP_CLASS_UID, VR::UI, sop_class),
        el_str(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, sop_instance),
    ]);
    if let Some(f) = frame {
        r.put(el_str(
            tags::REFERENCED_FRAME_NUMBER,
            VR::IS,
            &f.to_string(),
        ));
    }
    r
}

impl Item {
    /// The item as a Content Sequence item.
    pub(crate) fn to_dataset(&self) -> InMemDicomObject {
        match self {
            Item::Container {
                rel,
                concept,
                children,
            } => {
                let mut o = base(*rel, "CONTAINER", Some(*concept));
                o.put(el_str(tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE"));
                put_children(&mut o, children);
                o
            }
            Item::Code {
                rel,
                concept,
                value,
            } => {
                let mut o = base(*rel, "CODE", Some(*concept));
                o.put(el_seq(tags::CONCEPT_CODE_SEQUENCE, vec![code_item(*value)]));
                o
            }
            Item::Num {
                rel,
                concept,
                value,
                unit,
                children,
            } => {
                let mut o = base(*rel, "NUM", Some(*concept));
                let mv = InMemDicomObject::from_element_iter([
                    el_str(tags::NUMERIC_VALUE, VR::DS, &ds(*value)),
                    DataElement::new(
                        tags::FLOATING_POINT_VALUE,
                        VR::FD,
                        PrimitiveValue::from(*value),
                    ),
                    el_seq(
                        tags::MEASUREMENT_UNITS_CODE_SEQUENCE,
                        vec![code_item(*unit)],
                    ),
                ]);
                o.put(el_seq(tags::MEASURED_VALUE_SEQUENCE, vec![mv]));
                put_children(&mut o, children);
                o
            }
            Item::Text { rel, concept, text } => {
                let mut o = base(*rel, "TEXT", Some(*concept));
                o.put(el_str(tags::TEXT_VALUE, VR::UT, text));
                o
            }
            Item::PName { rel, concept, name } => {
                let mut o = base(*rel, "PNAME", Some(*concept));
                o.put(el_str(tags::PERSON_NAME, VR::PN, name));
                o
            }
            Item::Image {
                rel,
                sop_class,
                sop_instance,
                frame,
            } => {
                let mut o = base(*rel, "IMAGE", None);
                o.put(el_seq(
                    tags::REFERENCED_SOP_SEQUENCE,
                    vec![sop_ref(sop_class, sop_instance, *frame)],
                ));
                o
            }
            Item::Scoord {
                rel,
                graphic_type,
                points,
                children,
            } => {
                let mut o = base(*rel, "SCOORD", None);
                o.put(DataElement::new(
                    tags::GRAPHIC_DATA,
                    VR::FL,
                    PrimitiveValue::F32(points.iter().copied().collect()),
                ));
                o.put(el_str(tags::GRAPHIC_TYPE, VR::CS, graphic_type));
                put_children(&mut o, children);
                o
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::ds;

    #[test]
    fn ds_fits_16_chars() {
        assert_eq!(ds(0.45), "0.45");
        assert_eq!(ds(52.0), "52");
        assert_eq!(ds(0.452380952380952), "0.452381");
        assert!(ds(123456789012.123).len() <= 16);
        assert_eq!(ds(-0.0000001), "0");
    }
}
