//! LoopBack's middleware phases (`loopback-phase`, `app.middleware(phase, fn)`): `initial`,
//! `session`, `auth`, `parse`, `routes`, `files`, `final`, each with a `:before` and an
//! `:after` sub-phase — 21 slots, run in that order — plus the app's own phases.

use std::fmt;

use crate::{Error, Result};

/// A middleware phase: one of LoopBack's seven, or one the app defines
/// ([`AppBuilder::middleware_phases`](crate::AppBuilder::middleware_phases)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Phase {
    /// `initial`: first of all (CORS, compression, security headers, request ids).
    Initial,
    /// `session`.
    Session,
    /// `auth`.
    Auth,
    /// `parse`: request bodies.
    Parse,
    /// `routes`: the REST API, the explorer, health and metrics.
    Routes,
    /// `files`: static files (seen only by requests no route answered).
    Files,
    /// `final`: `Cannot GET /x` (seen only by requests nothing answered).
    Final,
    /// A phase of the app's own, placed by [`AppBuilder::middleware_phases`](crate::AppBuilder::middleware_phases).
    Custom(String),
}

/// Where in a phase: its `:before` sub-phase, the phase itself, or its `:after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubPhase {
    /// `<phase>:before`.
    Before,
    /// `<phase>`.
    Main,
    /// `<phase>:after`.
    After,
}

/// LoopBack's built-in phases in order.
pub const PHASES: [Phase; 7] = [
    Phase::Initial,
    Phase::Session,
    Phase::Auth,
    Phase::Parse,
    Phase::Routes,
    Phase::Files,
    Phase::Final,
];

impl Phase {
    /// The phase's name (`initial`, …).
    pub fn name(&self) -> &str {
        match self {
            Phase::Initial => "initial",
            Phase::Session => "session",
            Phase::Auth => "auth",
            Phase::Parse => "parse",
            Phase::Routes => "routes",
            Phase::Files => "files",
            Phase::Final => "final",
            Phase::Custom(n) => n,
        }
    }

    /// The phase named `name` (a built-in one, else the app's own).
    pub fn named(name: &str) -> Phase {
        PHASES
            .iter()
            .find(|p| p.name() == name)
            .cloned()
            .unwrap_or_else(|| Phase::Custom(name.to_string()))
    }

    /// The phase's `:before` slot.
    pub fn before(self) -> Slot {
        Slot(self, SubPhase::Before)
    }

    /// The phase's `:after` slot.
    pub fn after(self) -> Slot {
        Slot(self, SubPhase::After)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One of the ordered places a middleware runs at: a phase and a sub-phase
/// (`Phase::Initial.before()`; a plain `Phase` converts to its main slot).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slot(pub Phase, pub SubPhase);

impl From<Phase> for Slot {
    fn from(p: Phase) -> Slot {
        Slot(p, SubPhase::Main)
    }
}

impl Slot {
    /// A slot as `middleware.json` names it: `initial`, `routes:before`, `final:after`.
    pub fn parse(text: &str) -> Result<Slot> {
        let (name, sub) = match text.split_once(':') {
            None => (text, SubPhase::Main),
            Some((n, "before")) => (n, SubPhase::Before),
            Some((n, "after")) => (n, SubPhase::After),
            Some((_, other)) => {
                return Err(Error::internal(format!(
                    "middleware phase {text:?}: the sub-phase is `before` or `after`, not {other:?}"
                )))
            }
        };
        if name.is_empty() {
            return Err(Error::internal(format!(
                "middleware phase {text:?}: a phase needs a name"
            )));
        }
        Ok(Slot(Phase::named(name), sub))
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            SubPhase::Before => write!(f, "{}:before", self.0),
            SubPhase::Main => write!(f, "{}", self.0),
            SubPhase::After => write!(f, "{}:after", self.0),
        }
    }
}

/// The app's phases in order: LoopBack's seven with the app's own inserted as LoopBack 3's
/// code inserts them (`app.defineMiddlewarePhases`): each just before `parse`, after the ones
/// defined earlier — not "just before `routes`" as its documentation says (see
/// `docs/compat.md`). A name that is already a phase is not added twice.
pub(super) fn ordered(custom: &[String]) -> Vec<Phase> {
    let mut phases: Vec<Phase> = PHASES.to_vec();
    for name in custom {
        let phase = Phase::named(name);
        if phases.contains(&phase) {
            continue;
        }
        let parse = phases
            .iter()
            .position(|p| *p == Phase::Parse)
            .unwrap_or(phases.len());
        phases.insert(parse, phase);
    }
    phases
}

/// The position of a slot among `phases`' slots (`None`: a phase the app did not define).
pub(super) fn rank(phases: &[Phase], slot: &Slot) -> Option<usize> {
    let i = phases.iter().position(|p| *p == slot.0)?;
    Some(i * 3 + slot.1 as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_one_slots_in_loopbacks_order() {
        let phases = ordered(&[]);
        let mut slots: Vec<Slot> = phases
            .iter()
            .flat_map(|p| {
                [SubPhase::Before, SubPhase::Main, SubPhase::After].map(|s| Slot(p.clone(), s))
            })
            .collect();
        assert_eq!(slots.len(), 21);
        slots.sort_by_key(|s| rank(&phases, s));
        let names: Vec<String> = slots.iter().map(ToString::to_string).collect();
        assert_eq!(names[0], "initial:before");
        assert_eq!(names[13], "routes");
        assert_eq!(names[20], "final:after");
        for n in &names {
            assert_eq!(Slot::parse(n).unwrap().to_string(), *n);
        }
    }

    #[test]
    fn custom_phases_go_before_parse_in_their_order() {
        let phases = ordered(&["a".into(), "b".into(), "routes".into()]);
        let names: Vec<&str> = phases.iter().map(Phase::name).collect();
        assert_eq!(
            names,
            ["initial", "session", "auth", "a", "b", "parse", "routes", "files", "final"]
        );
        assert!(Slot::parse("routes:during").is_err());
        assert!(Slot::parse(":before").is_err());
    }
}
