//! LoopBack 3's access control lists: entries ([`Acl`]) as a model declares them or the ACL
//! table holds them, and their resolution — each entry scored by how specifically it matches
//! the request (model, then property, then access type, then principal type and role, then
//! DENY over ALLOW), the best one whose principal applies deciding, ALLOW when none does.
//!
//! Resolution is LoopBack's `ACL.getMatchingScore` / `resolvePermission` /
//! `getStaticACLs`, checked against the cases of LoopBack's own tests
//! (`resolve.rs`). Who the principals are (the token's user, its roles) is the caller's
//! business: [`effective`] keeps the entries whose principal applies.

mod entry;
mod resolve;
pub(crate) mod table;

pub use entry::{Acl, AclAccessType, Permission, PrincipalType, PropertyMatch};
pub use resolve::{effective, matching_score, resolve, static_acls, AclRequest};
pub use table::acl_model;

/// LoopBack's built-in roles.
pub mod roles {
    /// Every caller.
    pub const EVERYONE: &str = "$everyone";
    /// A caller with a valid access token.
    pub const AUTHENTICATED: &str = "$authenticated";
    /// A caller without one.
    pub const UNAUTHENTICATED: &str = "$unauthenticated";
    /// The user an instance belongs to.
    pub const OWNER: &str = "$owner";
    /// LoopBack's `$related` (scored, never granted by LoopBack 3 itself).
    pub const RELATED: &str = "$related";
}
