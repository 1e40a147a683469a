//! The checked IR of `#[remote_methods]`: every rule a LoopBack app only finds out at run time
//! (or never) is a spanned compile error here.

use proc_macro2::Span;
use syn::{FnArg, Ident, ImplItem, ImplItemFn, ItemImpl, Lit, Pat, ReturnType, Type};

use super::attr::{self, AcceptAttrs, MethodAttrs};
use super::types::{self, LbType, Special};
use crate::ctxt::Ctxt;

pub const VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "del", "head"];
const SOURCES: &[&str] = &["path", "query", "header", "body", "form", "req", "context"];

pub struct Methods {
    pub self_ty: Type,
    pub methods: Vec<Method>,
}

pub struct Method {
    pub fn_ident: Ident,
    pub name: String,
    pub is_static: bool,
    pub verb: String,
    pub path: String,
    pub status: Option<u16>,
    pub error_status: Option<u16>,
    pub description: Option<String>,
    pub params: Vec<Param>,
    pub returns: Vec<Ret>,
    pub returns_result: bool,
    pub span: Span,
}

pub enum Param {
    Special(Special),
    Arg(Box<Arg>),
}

pub struct Arg {
    /// The name on the wire (`arg = ".."`, default: the Rust name).
    pub name: String,
    pub ty: Type,
    pub lb: LbType,
    pub required: bool,
    pub source: &'static str,
    pub default: Option<Lit>,
    pub description: Option<String>,
}

pub struct Ret {
    pub arg: String,
    pub root: bool,
    pub lb: LbType,
    pub ty: Type,
    pub description: Option<String>,
}

fn doc_of(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let text = lines.join("\n").trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// `find_nearby` → `findNearby` (LoopBack method names are camelCase).
fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in s.trim_start_matches("r#").chars() {
        if c == '_' {
            up = !out.is_empty();
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Path parameter names of `/a/:x/{y}`.
fn path_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| {
            s.strip_prefix(':')
                .or_else(|| s.strip_prefix('{').and_then(|x| x.strip_suffix('}')))
                .map(str::to_string)
        })
        .collect()
}

/// `/a/:x/{y}` → `/a/:/:` with lowercase literals (routes compare this way).
fn route_key(path: &str) -> String {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with(':') || (s.starts_with('{') && s.ends_with('}')) {
                ":".to_string()
            } else {
                s.to_lowercase()
            }
        })
        .collect();
    format!("/{}", segs.join("/"))
}

/// A `type = ".."` declaration checked against the type inferred from Rust (`what` names the
/// Rust side in the message); the inferred type when the declaration is wrong.
fn declared_type(cx: &mut Ctxt, t: &syn::LitStr, inferred: &LbType, what: &str) -> LbType {
    match LbType::parse(&t.value()) {
        None => {
            cx.error(
                t,
                format!(
                    "unknown type `{}`; expected one of: {}",
                    t.value(),
                    LbType::NAMES
                ),
            );
            inferred.clone()
        }
        Some(d) if !types::accepts_declared(inferred, &d) => {
            cx.error(
                t,
                format!(
                    "`type = \"{}\"` disagrees with {what} ({})",
                    t.value(),
                    inferred
                ),
            );
            inferred.clone()
        }
        Some(d) => d,
    }
}

fn default_fits(lit: &Lit, t: &LbType) -> bool {
    matches!(
        (lit, t),
        (_, LbType::Any)
            | (
                Lit::Str(_),
                LbType::String | LbType::Date | LbType::GeoPoint
            )
            | (Lit::Int(_), LbType::Number | LbType::Integer)
            | (Lit::Float(_), LbType::Number)
            | (Lit::Bool(_), LbType::Boolean)
    )
}

impl Methods {
    pub fn from_impl(cx: &mut Ctxt, item: &mut ItemImpl) -> Methods {
        if let Some((_, path, _)) = &item.trait_ {
            cx.error(
                path,
                "#[remote_methods] goes on an inherent `impl Model { .. }` block, not a trait impl",
            );
        }
        if !item.generics.params.is_empty() {
            cx.error(&item.generics, "#[remote_methods] models cannot be generic");
        }
        let mut methods: Vec<Method> = Vec::new();
        for it in &mut item.items {
            let ImplItem::Fn(f) = it else { continue };
            let Some(attrs) = attr::method_attrs(cx, &f.attrs) else {
                continue;
            };
            f.attrs.retain(|a| !a.path().is_ident("remote_method"));
            if let Some(m) = method(cx, f, attrs) {
                routes_unique(cx, &methods, &m);
                methods.push(m);
            }
        }
        Methods {
            self_ty: (*item.self_ty).clone(),
            methods,
        }
    }
}

fn full_route(m: &Method) -> String {
    if m.is_static {
        route_key(&m.path)
    } else {
        route_key(&format!("/:id{}", m.path))
    }
}

fn shown_route(m: &Method) -> String {
    if m.is_static {
        m.path.clone()
    } else {
        format!("/:id{}", m.path)
    }
}

fn routes_unique(cx: &mut Ctxt, seen: &[Method], m: &Method) {
    let key = full_route(m);
    let shown = shown_route(m);
    // the routes of every `replace_on_put` setting: the method must fit any model
    if let Some(name) = lb_core::builtin::ROUTES
        .iter()
        .find(|r| r.verb == m.verb && route_key(r.path) == key)
        .map(|r| r.name)
    {
        cx.syn_error(syn::Error::new(
            m.span,
            format!(
                "`{} {}` is the route of the built-in method `{name}`; choose another path or verb",
                m.verb, shown
            ),
        ));
    }
    if let Some(other) = seen
        .iter()
        .find(|o| o.verb == m.verb && full_route(o) == key)
    {
        cx.syn_error(syn::Error::new(
            m.span,
            format!(
                "`{} {}` is already the route of the remote method `{}`",
                m.verb, shown, other.name
            ),
        ));
    }
}

fn method(cx: &mut Ctxt, f: &ImplItemFn, a: MethodAttrs) -> Option<Method> {
    let sig = &f.sig;
    let fn_ident = sig.ident.clone();
    if sig.asyncness.is_none() {
        cx.error(
            sig.fn_token,
            format!("remote method `{fn_ident}` must be an `async fn`"),
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error(&sig.generics, "remote methods cannot be generic");
    }
    let name = a
        .name
        .as_ref()
        .map(|n| n.value())
        .unwrap_or_else(|| camel(&fn_ident.to_string()));
    let verb = match &a.verb {
        None => "POST".to_string(),
        Some(v) => {
            let lower = v.value().to_lowercase();
            if !VERBS.contains(&lower.as_str()) {
                cx.error(
                    v,
                    format!(
                        "`{}` is not an HTTP verb; expected one of: {}",
                        v.value(),
                        VERBS.join(", ")
                    ),
                );
            }
            if lower == "del" {
                "DELETE".into()
            } else {
                lower.to_uppercase()
            }
        }
    };
    let path = match &a.path {
        None => format!("/{name}"),
        Some(p) => {
            let v = p.value();
            if !v.starts_with('/') {
                cx.error(p, "the path must start with `/`");
            }
            v
        }
    };
    let path_span = a.path.as_ref().map_or(fn_ident.span(), |p| p.span());
    let status = |cx: &mut Ctxt, s: &Option<syn::LitInt>| -> Option<u16> {
        let s = s.as_ref()?;
        match s.base10_parse::<u16>() {
            Ok(n) if (100..=599).contains(&n) => Some(n),
            _ => {
                cx.error(s, "an HTTP status is a number from 100 to 599");
                None
            }
        }
    };
    let ok_status = status(cx, &a.status);
    let error_status = status(cx, &a.error_status);

    // parameters
    let mut is_static = true;
    let mut params = Vec::new();
    let mut arg_names: Vec<Ident> = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                is_static = false;
                if r.reference.is_some() && r.mutability.is_some() {
                    cx.error(
                        r,
                        "instance methods take `&self` or `self`: the instance is loaded for the call and changes to it are not saved",
                    );
                }
            }
            FnArg::Typed(pt) => {
                let Pat::Ident(pi) = &*pt.pat else {
                    cx.error(
                        &pt.pat,
                        "remote method arguments must be plain names (`here: GeoPoint`)",
                    );
                    continue;
                };
                if let Some(sp) = types::special(&pt.ty) {
                    params.push((pi.ident.clone(), (*pt.ty).clone(), Some(sp)));
                    continue;
                }
                if let Type::Reference(_) = &*pt.ty {
                    cx.error(
                        &pt.ty,
                        "remote method arguments are owned values (`String`, not `&str`); only `&lb::App` and `&lb::HttpContext` are borrowed",
                    );
                    continue;
                }
                arg_names.push(pi.ident.clone());
                params.push((pi.ident.clone(), (*pt.ty).clone(), None));
            }
        }
    }
    let pparams = path_params(&path);
    if !is_static && pparams.iter().any(|p| p == "id") {
        cx.error(
            a.path.as_ref().map_or(&fn_ident as &dyn quote::ToTokens, |p| p as _),
            "instance methods are routed under `/:id` already; the path cannot have its own `id` parameter",
        );
    }

    // accepts entries name arguments
    let mut accepts: Vec<&AcceptAttrs> = Vec::new();
    for acc in &a.accepts {
        if accepts.iter().any(|x| x.name == acc.name) {
            cx.error(&acc.name, format!("duplicate accepts entry `{}`", acc.name));
            continue;
        }
        let special = params
            .iter()
            .find(|(i, _, sp)| *i == acc.name && sp.is_some());
        if special.is_none() && !arg_names.contains(&acc.name) {
            let known: Vec<String> = arg_names.iter().map(|i| i.to_string()).collect();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            let hint = crate::suggest::did_you_mean(&acc.name.to_string(), &known);
            cx.error(
                &acc.name,
                format!(
                    "accepts entry `{}` names no argument of `{fn_ident}`{hint}",
                    acc.name
                ),
            );
        }
        accepts.push(acc);
    }

    let mut out_params = Vec::new();
    let mut body_arg: Option<Ident> = None;
    for (ident, ty, sp) in params {
        let acc = accepts.iter().find(|x| x.name == ident).copied();
        if let Some(sp) = sp {
            if let Some(src) = acc.and_then(|x| x.source.as_ref()) {
                let ok = sp == Special::Http && matches!(src.value().as_str(), "req" | "context");
                if !ok {
                    cx.error(
                        src,
                        format!("`{ident}` is supplied by lb, not read from the request"),
                    );
                }
            }
            out_params.push(Param::Special(sp));
            continue;
        }
        let (inferred, optional) = types::infer(&ty);
        let mut lb = inferred.clone();
        let mut source = "auto";
        let mut required = false;
        let mut default = None;
        let mut description = None;
        let wire = acc.and_then(|x| x.arg.as_ref()).map_or_else(
            || syn::ext::IdentExt::unraw(&ident).to_string(),
            |a| a.value(),
        );
        if let Some(acc) = acc {
            if let Some(t) = &acc.ty {
                let what = format!("the Rust type of `{ident}`");
                lb = declared_type(cx, t, &inferred, &what);
            }
            if let Some(s) = &acc.source {
                let v = s.value();
                match SOURCES.iter().find(|x| **x == v || (v == "formData" && **x == "form")) {
                    None => cx.error(
                        s,
                        format!("unknown source `{v}`; expected one of: {}", SOURCES.join(", ")),
                    ),
                    Some(&"req" | &"context") => cx.error(
                        s,
                        format!("source `{v}` supplies the request: declare the argument as `{ident}: &lb::HttpContext`"),
                    ),
                    Some(x) => source = x,
                }
            }
            required = acc.required;
            default = acc.default.clone();
            description = acc.description.as_ref().map(|d| d.value());
        }
        if source == "auto" && pparams.contains(&wire) {
            source = "path";
        }
        if source == "path" && !pparams.contains(&wire) {
            cx.error(
                acc.and_then(|x| x.source.as_ref()).map_or(&ident as &dyn quote::ToTokens, |s| s as _),
                format!("`{wire}` has `source = \"path\"` but the path `{path}` has no `{{{wire}}}` parameter"),
            );
        }
        if matches!(source, "path" | "header") && !lb.is_scalar() {
            cx.error(
                &ty,
                format!(
                    "`{ident}` ({}) cannot be read from a {}: path and header arguments are strings, numbers, booleans, dates or GeoPoints",
                    lb,
                    if source == "path" { "path segment" } else { "header" }
                ),
            );
        }
        if source == "body" {
            if let Some(first) = &body_arg {
                cx.error(
                    &ident,
                    format!("`{first}` and `{ident}` both take the whole request body (`source = \"body\"`); use `source = \"form\"` for body properties"),
                );
            }
            body_arg = Some(ident.clone());
        }
        if let Some(d) = &default {
            if required {
                cx.error(d, "a required argument cannot have a default");
            } else if !default_fits(d, &lb) {
                cx.error(
                    d,
                    format!("the default does not fit the argument's type ({})", lb),
                );
            }
        }
        // a Rust value that cannot be absent makes the argument required (unless defaulted)
        if !optional && default.is_none() {
            required = true;
        }
        out_params.push(Param::Arg(Box::new(Arg {
            name: wire,
            ty,
            lb,
            required,
            source,
            default,
            description,
        })));
    }
    for p in &pparams {
        if !out_params
            .iter()
            .any(|x| matches!(x, Param::Arg(a) if a.name == *p))
        {
            cx.syn_error(syn::Error::new(
                path_span,
                format!("path parameter `{p}` has no argument named `{p}` in `{fn_ident}`"),
            ));
        }
    }

    // returns
    let (ret_ty, returns_result) = match &sig.output {
        ReturnType::Default => (syn::parse_quote!(()), false),
        ReturnType::Type(_, t) => match types::result_ok(t) {
            Some(ok) => (ok.clone(), true),
            None => ((**t).clone(), false),
        },
    };
    let unit = types::tuple_elems(&ret_ty).is_some_and(|e| e.is_empty());
    let mut returns = Vec::new();
    if unit {
        if let Some(r) = a.returns.first() {
            cx.syn_error(syn::Error::new(
                r.span,
                format!("`returns` declared, but `{fn_ident}` returns nothing"),
            ));
        }
    } else {
        let elem_tys: Vec<Type> = if a.returns.len() > 1 {
            match types::tuple_elems(&ret_ty) {
                Some(e) if e.len() == a.returns.len() => e.into_iter().cloned().collect(),
                _ => {
                    cx.error(
                        &ret_ty,
                        format!(
                            "{} `returns` entries need a tuple of {} values as the result",
                            a.returns.len(),
                            a.returns.len()
                        ),
                    );
                    vec![ret_ty.clone(); a.returns.len()]
                }
            }
        } else {
            vec![ret_ty.clone()]
        };
        if a.returns.is_empty() {
            returns.push(Ret {
                arg: "data".into(),
                root: true,
                lb: types::infer(&ret_ty).0,
                ty: ret_ty.clone(),
                description: None,
            });
        }
        let mut roots = 0;
        for (r, ty) in a.returns.iter().zip(elem_tys) {
            if r.root {
                roots += 1;
                if roots == 2 {
                    cx.syn_error(syn::Error::new(
                        r.span,
                        "only one `returns` entry can be `root`",
                    ));
                }
            }
            if r.arg.is_none() && !r.root {
                cx.syn_error(syn::Error::new(
                    r.span,
                    "a `returns` entry needs `arg = \"name\"` (or `root`)",
                ));
            }
            let (inferred, _) = types::infer(&ty);
            let lb = match &r.ty {
                Some(t) => declared_type(cx, t, &inferred, "the Rust result type"),
                None => inferred.clone(),
            };
            returns.push(Ret {
                arg: r.arg.as_ref().map_or_else(|| "data".into(), |a| a.value()),
                root: r.root,
                lb,
                ty,
                description: r.description.as_ref().map(|d| d.value()),
            });
        }
    }

    Some(Method {
        span: a
            .path
            .as_ref()
            .map(|p| p.span())
            .or(a.verb.as_ref().map(|v| v.span()))
            .unwrap_or_else(|| sig.ident.span()),
        fn_ident,
        name,
        is_static,
        verb,
        path,
        status: ok_status,
        error_status,
        description: a
            .description
            .as_ref()
            .map(|d| d.value())
            .or_else(|| doc_of(&f.attrs)),
        params: out_params,
        returns,
        returns_result,
    })
}
