//! calc (to be written).
