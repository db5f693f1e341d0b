//! The keyboard map: one table used for input, tooltips and the F1 help overlay.

use egui::{Key, KeyboardShortcut, Modifiers};

use super::commands::Command;
use crate::gui::tools::ToolKey;
use crate::measure::DrawKind;

/// Something a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Play / pause.
    TogglePlay,
    /// Previous frame.
    StepBack,
    /// Next frame.
    StepForward,
    /// First frame.
    First,
    /// Last frame.
    Last,
    /// Slower.
    Slower,
    /// Faster.
    Faster,
    /// Loop on/off.
    Loop,
    /// Mark ED.
    MarkEd,
    /// Mark ES.
    MarkEs,
    /// Fit.
    Fit,
    /// 1:1.
    OneToOne,
    /// Zoom in.
    ZoomIn,
    /// Zoom out.
    ZoomOut,
    /// Pick the tool for a drawing kind.
    Tool(DrawKind),
    /// Next measurement of the guided protocol.
    Next,
    /// Delete the selected drawing.
    Delete,
    /// Undo.
    Undo,
    /// Redo.
    Redo,
    /// File ▸ Open.
    Open,
    /// Next file in the study list.
    NextFile,
    /// Previous file in the study list.
    PreviousFile,
    /// Help overlay.
    Help,
    /// Finish the trace in progress.
    Finish,
    /// Cancel the drawing in progress / drop the tool.
    Cancel,
    /// Remove the last point of the trace in progress.
    RemoveLast,
}

/// One key binding.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// The keys.
    pub shortcut: KeyboardShortcut,
    /// What they do.
    pub action: Action,
    /// Help text.
    pub help: &'static str,
}

const fn key(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, k)
}

const fn cmd(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND, k)
}

/// Every binding, most specific first (Ctrl+Shift+Z before Ctrl+Z).
pub const BINDINGS: &[Binding] = &[
    Binding {
        shortcut: KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z),
        action: Action::Redo,
        help: "Redo",
    },
    Binding {
        shortcut: cmd(Key::Y),
        action: Action::Redo,
        help: "Redo",
    },
    Binding {
        shortcut: cmd(Key::Z),
        action: Action::Undo,
        help: "Undo",
    },
    Binding {
        shortcut: cmd(Key::O),
        action: Action::Open,
        help: "Open files or folders",
    },
    Binding {
        shortcut: key(Key::PageDown),
        action: Action::NextFile,
        help: "Next file in the study list",
    },
    Binding {
        shortcut: key(Key::PageUp),
        action: Action::PreviousFile,
        help: "Previous file in the study list",
    },
    Binding {
        shortcut: key(Key::F1),
        action: Action::Help,
        help: "Show / hide this help",
    },
    Binding {
        shortcut: key(Key::Space),
        action: Action::TogglePlay,
        help: "Play / pause",
    },
    Binding {
        shortcut: key(Key::ArrowLeft),
        action: Action::StepBack,
        help: "Previous frame",
    },
    Binding {
        shortcut: key(Key::ArrowRight),
        action: Action::StepForward,
        help: "Next frame",
    },
    Binding {
        shortcut: key(Key::Home),
        action: Action::First,
        help: "First frame",
    },
    Binding {
        shortcut: key(Key::End),
        action: Action::Last,
        help: "Last frame",
    },
    Binding {
        shortcut: key(Key::OpenBracket),
        action: Action::Slower,
        help: "Slower playback",
    },
    Binding {
        shortcut: key(Key::CloseBracket),
        action: Action::Faster,
        help: "Faster playback",
    },
    Binding {
        shortcut: key(Key::L),
        action: Action::Loop,
        help: "Loop on / off",
    },
    Binding {
        shortcut: key(Key::E),
        action: Action::MarkEd,
        help: "Mark this frame end-diastole (ED)",
    },
    Binding {
        shortcut: key(Key::S),
        action: Action::MarkEs,
        help: "Mark this frame end-systole (ES)",
    },
    Binding {
        shortcut: key(Key::F),
        action: Action::Fit,
        help: "Fit image to window",
    },
    Binding {
        shortcut: key(Key::Num1),
        action: Action::OneToOne,
        help: "Zoom 1:1 (one image pixel per screen pixel)",
    },
    Binding {
        shortcut: key(Key::Equals),
        action: Action::ZoomIn,
        help: "Zoom in (also the mouse wheel)",
    },
    Binding {
        shortcut: key(Key::Plus),
        action: Action::ZoomIn,
        help: "Zoom in",
    },
    Binding {
        shortcut: key(Key::Minus),
        action: Action::ZoomOut,
        help: "Zoom out",
    },
    Binding {
        shortcut: key(Key::C),
        action: Action::Tool(DrawKind::Caliper),
        help: "Caliper tool (two points; also PISA radius)",
    },
    Binding {
        shortcut: key(Key::A),
        action: Action::Tool(DrawKind::AreaTrace),
        help: "Area trace (click a polygon, or drag freehand)",
    },
    Binding {
        shortcut: key(Key::V),
        action: Action::Tool(DrawKind::LvContour),
        help: "LV contour (hinge, apex, hinge; axis and disks shown)",
    },
    Binding {
        shortcut: key(Key::D),
        action: Action::Tool(DrawKind::DopplerPoint),
        help: "Doppler point (peak velocity)",
    },
    Binding {
        shortcut: key(Key::T),
        action: Action::Tool(DrawKind::DopplerEnvelope),
        help: "Doppler envelope trace (VTI and Vmax)",
    },
    Binding {
        shortcut: key(Key::M),
        action: Action::Tool(DrawKind::ManualEntry),
        help: "Manual entry of a value",
    },
    Binding {
        shortcut: key(Key::N),
        action: Action::Next,
        help: "Next measurement of the guided protocol",
    },
    Binding {
        shortcut: key(Key::Enter),
        action: Action::Finish,
        help: "Finish the trace in progress",
    },
    Binding {
        shortcut: key(Key::Escape),
        action: Action::Cancel,
        help: "Cancel the drawing in progress, then drop the tool",
    },
    Binding {
        shortcut: key(Key::Backspace),
        action: Action::RemoveLast,
        help: "Remove the last point (while tracing); else delete the selection",
    },
    Binding {
        shortcut: key(Key::Delete),
        action: Action::Delete,
        help: "Delete the selected drawing",
    },
];

/// The shortcut text for an action (`Ctrl+Z`), for tooltips.
pub fn shortcut_text(ctx: &egui::Context, action: Action) -> Option<String> {
    BINDINGS
        .iter()
        .find(|b| b.action == action)
        .map(|b| ctx.format_shortcut(&b.shortcut))
}

/// `label (shortcut)` for tooltips.
pub fn tooltip(ctx: &egui::Context, text: &str, action: Action) -> String {
    match shortcut_text(ctx, action) {
        Some(s) => format!("{text} ({s})"),
        None => text.to_owned(),
    }
}

/// What keys mean right now.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyContext {
    /// A drawing is in progress: Enter/Esc/Backspace go to the tool.
    pub placing: bool,
    /// A canvas tool is down: Esc puts it down.
    pub tool_active: bool,
    /// The help overlay is open: Esc closes it.
    pub help_open: bool,
}

/// Reads this frame's key presses and returns the commands they ask for.
pub fn read_keys(ctx: &egui::Context, keys: KeyContext) -> Vec<Command> {
    let text_focus = ctx.egui_wants_keyboard_input();
    let mut actions = Vec::new();
    ctx.input_mut(|input| {
        for b in BINDINGS {
            if text_focus && b.shortcut.conflicts_with_text_editing() && b.action != Action::Help {
                continue;
            }
            if input.consume_shortcut(&b.shortcut) {
                actions.push(b.action);
            }
        }
    });
    actions
        .into_iter()
        .filter_map(|a| command_for(a, keys))
        .collect()
}

/// The command of an action in the current context.
pub fn command_for(action: Action, keys: KeyContext) -> Option<Command> {
    let KeyContext {
        placing,
        tool_active,
        help_open,
    } = keys;
    Some(match action {
        Action::TogglePlay => Command::TogglePlay,
        Action::StepBack => Command::StepFrame(-1),
        Action::StepForward => Command::StepFrame(1),
        Action::First => Command::FirstFrame,
        Action::Last => Command::LastFrame,
        Action::Slower => Command::NudgeSpeed(-1),
        Action::Faster => Command::NudgeSpeed(1),
        Action::Loop => Command::ToggleLoop,
        Action::MarkEd => Command::MarkEd,
        Action::MarkEs => Command::MarkEs,
        Action::Fit => Command::Fit,
        Action::OneToOne => Command::OneToOne,
        Action::ZoomIn => Command::ZoomStep(1.25),
        Action::ZoomOut => Command::ZoomStep(0.8),
        Action::Tool(kind) => Command::SelectTool(kind),
        Action::Next => Command::NextMeasurement,
        Action::Delete => Command::DeleteSelected,
        Action::Undo => Command::Undo,
        Action::Redo => Command::Redo,
        Action::Open => Command::OpenDialog,
        Action::NextFile => Command::StepFile(1),
        Action::PreviousFile => Command::StepFile(-1),
        Action::Help => Command::ToggleHelp,
        Action::Finish => Command::ToolKey(ToolKey::Finish),
        Action::Cancel if help_open => Command::ToggleHelp,
        Action::Cancel if placing => Command::ToolKey(ToolKey::Cancel),
        Action::Cancel if tool_active => Command::DropTool,
        Action::Cancel => Command::SelectDrawing(None),
        Action::RemoveLast if placing => Command::ToolKey(ToolKey::RemoveLast),
        Action::RemoveLast => Command::DeleteSelected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_help_and_keys_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for b in BINDINGS {
            assert!(!b.help.is_empty());
            assert!(
                seen.insert(format!("{:?}", b.shortcut)),
                "duplicate {:?}",
                b.shortcut
            );
        }
    }

    #[test]
    fn context_decides_enter_escape_backspace() {
        let keys = |placing, tool_active, help_open| KeyContext {
            placing,
            tool_active,
            help_open,
        };
        assert_eq!(
            command_for(Action::Cancel, keys(true, true, false)),
            Some(Command::ToolKey(ToolKey::Cancel))
        );
        assert_eq!(
            command_for(Action::Cancel, keys(false, true, false)),
            Some(Command::DropTool)
        );
        assert_eq!(
            command_for(Action::Cancel, keys(true, true, true)),
            Some(Command::ToggleHelp)
        );
        assert_eq!(
            command_for(Action::RemoveLast, keys(false, true, false)),
            Some(Command::DeleteSelected)
        );
    }
}
