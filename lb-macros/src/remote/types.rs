//! Rust argument and return types → LoopBack types, read from the syntax (last path segment).

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;

use crate::meta::unwrap_type;

/// A LoopBack type: the vocabulary's own (`lb_core::ArgType`), as the runtime spells it.
pub use lb_core::ArgType as LbType;

/// Whether a `type = ".."` declaration fits the Rust type's inferred type.
pub fn accepts_declared(inferred: &LbType, declared: &LbType) -> bool {
    match (inferred, declared) {
        (a, b) if a == b => true,
        // a JSON value holds anything; a type the macro does not know (a struct, an enum,
        // a newtype) is whatever its declaration says
        (LbType::Any, _) => true,
        (LbType::Object, _) => true,
        // integers declared as LoopBack numbers (LoopBack has no integer in most apps)
        (LbType::Integer, LbType::Number) => true,
        (LbType::Array(_), LbType::Array(None)) => true,
        (LbType::Array(Some(a)), LbType::Array(Some(b))) => accepts_declared(a, b),
        _ => false,
    }
}

/// The type as an `::lb::ArgType` expression.
pub fn tokens(t: &LbType) -> TokenStream {
    let p = quote!(::lb::ArgType);
    match t {
        LbType::String => quote!(#p::String),
        LbType::Number => quote!(#p::Number),
        LbType::Integer => quote!(#p::Integer),
        LbType::Boolean => quote!(#p::Boolean),
        LbType::Date => quote!(#p::Date),
        LbType::Object => quote!(#p::Object),
        LbType::Array(None) => quote!(#p::Array(::std::option::Option::None)),
        LbType::Array(Some(i)) => {
            let i = tokens(i);
            quote!(#p::array_of(#i))
        }
        LbType::Any => quote!(#p::Any),
        LbType::GeoPoint => quote!(#p::GeoPoint),
    }
}

fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Group(g) => last_ident(&g.elem),
        Type::Paren(p) => last_ident(&p.elem),
        _ => None,
    }
}

/// The LoopBack type of a Rust type and whether it is an `Option`.
pub fn infer(ty: &Type) -> (LbType, bool) {
    if let Some(inner) = unwrap_type(ty, "Option") {
        return (infer(inner).0, true);
    }
    if let Some(inner) = unwrap_type(ty, "Vec") {
        return (LbType::Array(Some(Box::new(infer(inner).0))), false);
    }
    if let Type::Slice(_) | Type::Array(_) = ty {
        return (LbType::Array(None), false);
    }
    let t = match last_ident(ty).as_deref() {
        Some("String" | "char" | "Uuid") => LbType::String,
        Some("f32" | "f64") => LbType::Number,
        Some(
            "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
            | "usize",
        ) => LbType::Integer,
        Some("bool") => LbType::Boolean,
        Some("DateTime") => LbType::Date,
        Some("GeoPoint") => LbType::GeoPoint,
        Some("Value") => LbType::Any,
        _ => LbType::Object,
    };
    (t, false)
}

/// A parameter the glue supplies instead of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// `&lb::App`.
    App,
    /// `&lb::HttpContext` (`source = "req"` / `"context"`).
    Http,
}

/// `&App` / `&HttpContext` parameters.
pub fn special(ty: &Type) -> Option<Special> {
    let Type::Reference(r) = ty else { return None };
    match last_ident(&r.elem).as_deref() {
        Some("App") => Some(Special::App),
        Some("HttpContext") => Some(Special::Http),
        _ => None,
    }
}

/// `Result<T>` / `Result<T, E>` → `T`.
pub fn result_ok(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// The element types of a tuple (`()` → empty).
pub fn tuple_elems(ty: &Type) -> Option<Vec<&Type>> {
    match ty {
        Type::Tuple(t) => Some(t.elems.iter().collect()),
        Type::Paren(p) => tuple_elems(&p.elem),
        _ => None,
    }
}
