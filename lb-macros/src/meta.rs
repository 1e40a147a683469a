//! Helpers over attribute syntax shared by the macros: option keys, literal values, flags,
//! duplicate detection, and `Wrapper<T>` types.

use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, Lit, LitInt, LitStr, Type};

use crate::ctxt::Ctxt;

/// The option's key (`name`, or `a::b` for paths).
pub fn key_of(m: &ParseNestedMeta) -> String {
    m.path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// `key = <literal>` (a leading `-` is kept on numbers).
pub fn lit(m: &ParseNestedMeta) -> syn::Result<Lit> {
    match m.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit { lit, .. }) => Ok(lit),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => match *u.expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(i), ..
            }) => Ok(Lit::Int(LitInt::new(
                &format!("-{}", i.base10_digits()),
                i.span(),
            ))),
            Expr::Lit(ExprLit {
                lit: Lit::Float(f), ..
            }) => Ok(Lit::Float(syn::LitFloat::new(
                &format!("-{}", f.base10_digits()),
                f.span(),
            ))),
            other => Err(syn::Error::new_spanned(other, "expected a literal")),
        },
        other => Err(syn::Error::new_spanned(other, "expected a literal")),
    }
}

/// `key = "string"`.
pub fn lit_str(m: &ParseNestedMeta) -> syn::Result<LitStr> {
    match lit(m)? {
        Lit::Str(s) => Ok(s),
        other => Err(syn::Error::new_spanned(other, "expected a string literal")),
    }
}

/// A flag (`public`) or an explicit `public = false`.
pub fn flag(m: &ParseNestedMeta) -> syn::Result<bool> {
    if m.input.peek(syn::Token![=]) {
        match lit(m)? {
            Lit::Bool(b) => Ok(b.value),
            other => Err(syn::Error::new_spanned(other, "expected `true` or `false`")),
        }
    } else {
        Ok(true)
    }
}

/// Stores an option's value; a second one is an error.
pub fn set<T>(cx: &mut Ctxt, slot: &mut Option<T>, v: T, m: &ParseNestedMeta, key: &str) {
    if slot.is_some() {
        cx.error(&m.path, format!("duplicate option `{key}`"));
    }
    *slot = Some(v);
}

/// Consumes the value of an unknown option so parsing goes on.
pub fn skip_value(m: &ParseNestedMeta) -> syn::Result<()> {
    if m.input.peek(syn::Token![=]) {
        let _: Expr = m.value()?.parse()?;
    } else if m.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in m.input);
        let _: proc_macro2::TokenStream = content.parse()?;
    }
    Ok(())
}

/// The single generic argument of `Wrapper<T>` when the type's last segment is `Wrapper`.
pub fn unwrap_type<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}
