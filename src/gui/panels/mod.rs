//! Side panels. Each is `fn x_ui(ui, &state) -> Vec<Command>`: it reads, it never mutates.

pub mod guided;
pub mod help;
pub mod measurements;
pub mod results;
pub mod study_list;
