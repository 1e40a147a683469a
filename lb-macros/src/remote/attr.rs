//! Parsing of `#[remote_method(...)]` into plain option structs (no checks across options:
//! those are in `ir`).

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Ident, Lit, LitInt, LitStr};

use crate::ctxt::Ctxt;
use crate::meta::{flag, key_of, lit, lit_str, set, skip_value};
use crate::suggest::unknown_key;

pub const METHOD_KEYS: &[&str] = &[
    "verb",
    "path",
    "accepts",
    "returns",
    "status",
    "error_status",
    "description",
    "name",
];
pub const ACCEPT_KEYS: &[&str] = &[
    "arg",
    "required",
    "source",
    "type",
    "default",
    "description",
];
pub const RETURN_KEYS: &[&str] = &["arg", "root", "type", "description"];

#[derive(Default)]
pub struct MethodAttrs {
    pub verb: Option<LitStr>,
    pub path: Option<LitStr>,
    pub name: Option<LitStr>,
    pub accepts: Vec<AcceptAttrs>,
    pub returns: Vec<ReturnAttrs>,
    pub status: Option<LitInt>,
    pub error_status: Option<LitInt>,
    pub description: Option<LitStr>,
}

pub struct AcceptAttrs {
    pub name: Ident,
    pub arg: Option<LitStr>,
    pub required: bool,
    pub source: Option<LitStr>,
    pub ty: Option<LitStr>,
    pub default: Option<Lit>,
    pub description: Option<LitStr>,
}

pub struct ReturnAttrs {
    pub span: Span,
    pub arg: Option<LitStr>,
    pub root: bool,
    pub ty: Option<LitStr>,
    pub description: Option<LitStr>,
}

fn lit_int(m: &ParseNestedMeta) -> syn::Result<LitInt> {
    match lit(m)? {
        Lit::Int(i) => Ok(i),
        other => Err(syn::Error::new_spanned(
            other,
            "expected an HTTP status number",
        )),
    }
}

/// `#[remote_method(...)]` of one function (`None` when it has none).
pub fn method_attrs(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> Option<MethodAttrs> {
    let mut found = None;
    for a in attrs.iter().filter(|a| a.path().is_ident("remote_method")) {
        if found.is_some() {
            cx.error(a, "duplicate `#[remote_method]` on one function");
            continue;
        }
        let mut out = MethodAttrs::default();
        if matches!(a.meta, syn::Meta::Path(_)) {
            found = Some(out);
            continue;
        }
        let r = a.parse_nested_meta(|m| {
            let key = key_of(&m);
            match key.as_str() {
                "verb" => set(cx, &mut out.verb, lit_str(&m)?, &m, &key),
                "path" => set(cx, &mut out.path, lit_str(&m)?, &m, &key),
                "name" => set(cx, &mut out.name, lit_str(&m)?, &m, &key),
                "description" => set(cx, &mut out.description, lit_str(&m)?, &m, &key),
                "status" => set(cx, &mut out.status, lit_int(&m)?, &m, &key),
                "error_status" => set(cx, &mut out.error_status, lit_int(&m)?, &m, &key),
                "accepts" => m.parse_nested_meta(|arg| {
                    let Some(name) = arg.path.get_ident().cloned() else {
                        return Err(arg.error("expected an argument name"));
                    };
                    out.accepts.push(accept(cx, name, &arg)?);
                    Ok(())
                })?,
                "returns" => out.returns.push(returns(cx, &m)?),
                _ => {
                    cx.error(&m.path, unknown_key("remote_method", &key, METHOD_KEYS));
                    skip_value(&m)?;
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
        found = Some(out);
    }
    found
}

fn accept(cx: &mut Ctxt, name: Ident, m: &ParseNestedMeta) -> syn::Result<AcceptAttrs> {
    let mut out = AcceptAttrs {
        name,
        arg: None,
        required: false,
        source: None,
        ty: None,
        default: None,
        description: None,
    };
    if !m.input.peek(syn::token::Paren) {
        return Ok(out);
    }
    m.parse_nested_meta(|o| {
        let key = key_of(&o);
        match key.as_str() {
            "arg" => set(cx, &mut out.arg, lit_str(&o)?, &o, &key),
            "required" => out.required = flag(&o)?,
            "source" => set(cx, &mut out.source, lit_str(&o)?, &o, &key),
            "type" => set(cx, &mut out.ty, lit_str(&o)?, &o, &key),
            "default" => set(cx, &mut out.default, lit(&o)?, &o, &key),
            "description" => set(cx, &mut out.description, lit_str(&o)?, &o, &key),
            _ => {
                cx.error(&o.path, unknown_key("accepts", &key, ACCEPT_KEYS));
                skip_value(&o)?;
            }
        }
        Ok(())
    })?;
    Ok(out)
}

fn returns(cx: &mut Ctxt, m: &ParseNestedMeta) -> syn::Result<ReturnAttrs> {
    let mut out = ReturnAttrs {
        span: m.path.segments[0].ident.span(),
        arg: None,
        root: false,
        ty: None,
        description: None,
    };
    m.parse_nested_meta(|o| {
        let key = key_of(&o);
        match key.as_str() {
            "arg" => set(cx, &mut out.arg, lit_str(&o)?, &o, &key),
            "root" => out.root = flag(&o)?,
            "type" => set(cx, &mut out.ty, lit_str(&o)?, &o, &key),
            "description" => set(cx, &mut out.description, lit_str(&o)?, &o, &key),
            _ => {
                cx.error(&o.path, unknown_key("returns", &key, RETURN_KEYS));
                skip_value(&o)?;
            }
        }
        Ok(())
    })?;
    Ok(out)
}
