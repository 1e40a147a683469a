pub use lb_runtime::*;
