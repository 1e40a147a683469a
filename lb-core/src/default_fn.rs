//! LoopBack's `defaultFn` names.

/// A `defaultFn` of LoopBack: a computed default value (the runtime computes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultFn {
    /// The current time (`"now"`, also `"$now"`).
    Now,
    /// A random UUID v4 (`"uuid"`, `"uuidv4"`, `"guid"`).
    Uuid,
}

impl DefaultFn {
    /// The names [`DefaultFn::from_name`] knows, for messages.
    pub const NAMES: &'static str = "\"now\" or \"uuid\"";

    /// Parses LoopBack's names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "now" | "$now" => Some(DefaultFn::Now),
            "uuid" | "uuidv4" | "guid" => Some(DefaultFn::Uuid),
            _ => None,
        }
    }
}
