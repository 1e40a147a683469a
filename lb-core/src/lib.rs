//! LoopBack's vocabulary, in one place for both halves of lb: `lb-macros` checks declarations
//! against it at compile time and `lb-runtime` serves with it, so the two cannot disagree on a
//! type's spelling, a built-in route, a template variable or a default function's name.
//! No I/O, no async, no HTTP: `sqlx-macros-core` to lb's `sqlx-core`.

#![warn(missing_docs)]

mod arg_type;
pub mod builtin;
mod default_fn;
pub mod template;

pub use arg_type::ArgType;
pub use default_fn::DefaultFn;
