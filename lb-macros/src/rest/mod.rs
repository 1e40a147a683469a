//! `rest_client!`: a REST datasource's template (inline JSON or a file) turned into a struct
//! with one typed async function per declared function, checked at compile time: the JSON
//! must parse, every parameter must be a variable of its template, and every required
//! variable (`{!name}` / `{^name}` without a default) must be a parameter.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, LitStr, Token, Visibility};

use lb_core::template::{variables, VarType, Variable};

use crate::ctxt::Ctxt;

/// `[attrs] vis struct Name = "template or path";`
pub struct Input {
    attrs: Vec<Attribute>,
    vis: Visibility,
    name: Ident,
    source: LitStr,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        input.parse::<Token![struct]>()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let source: LitStr = input.parse()?;
        let _ = input.parse::<Option<Token![;]>>()?;
        Ok(Input {
            attrs,
            vis,
            name,
            source,
        })
    }
}

/// A parameter of a generated function.
struct Param {
    name: String,
    /// The template variable's type.
    ty: Option<VarType>,
    /// Must be given (a required variable without any default).
    required: bool,
}

fn err(span: Span, msg: impl std::fmt::Display) -> syn::Error {
    syn::Error::new(span, msg)
}

/// The settings text and, for a file, its path (tracked for recompilation).
fn load(source: &LitStr) -> syn::Result<(String, Option<String>)> {
    let text = source.value();
    if text.trim_start().starts_with('{') {
        return Ok((text, None));
    }
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let path = std::path::Path::new(&dir).join(&text);
    let content = std::fs::read_to_string(&path).map_err(|e| {
        err(
            source.span(),
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    Ok((content, Some(path.display().to_string())))
}

/// One parameter as the function declares it: its name and whether it has its own default.
fn declared_param(fname: &str, item: &Value) -> Result<(String, bool), String> {
    match item {
        Value::String(s) => Ok(match s.split_once('=') {
            Some((n, _)) => (n.trim().to_string(), true),
            None => (s.trim().to_string(), false),
        }),
        Value::Object(o) => match o.get("name").and_then(Value::as_str) {
            Some(n) => Ok((n.to_string(), o.contains_key("default"))),
            None => Err(format!("function {fname}: a parameter without a name")),
        },
        other => Err(format!(
            "function {fname}: a parameter is a name or an object, not {other}"
        )),
    }
}

/// Rule: a parameter is a variable of the function's template.
fn check_is_variable<'v>(
    fname: &str,
    name: &str,
    vars: &'v [(String, Variable)],
) -> Result<&'v Variable, String> {
    match vars.iter().find(|(_, v)| v.name == name) {
        Some((_, var)) => Ok(var),
        None => {
            let names: Vec<&str> = vars.iter().map(|(_, v)| v.name.as_str()).collect();
            let hint = crate::suggest::did_you_mean(name, &names);
            Err(format!(
                "function {fname}: parameter `{name}` is not a variable of the template{hint}"
            ))
        }
    }
}

/// Rule: a parameter becomes a Rust argument, so its name must be one.
fn check_rust_name(fname: &str, name: &str) -> Result<(), String> {
    match syn::parse_str::<Ident>(name) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "function {fname}: parameter `{name}` is not a Rust name"
        )),
    }
}

/// Rule: every required variable of the template (without a default) is a parameter.
fn check_required_given(
    cx: &mut Ctxt,
    span: Span,
    fname: &str,
    vars: &[(String, Variable)],
    params: &[Param],
) {
    for (_, v) in vars
        .iter()
        .filter(|(_, v)| v.required && v.default.is_none())
    {
        if !params.iter().any(|p| p.name == v.name) {
            cx.syn_error(err(
                span,
                format!(
                    "function {fname}: required variable `{}` of the template is not a parameter",
                    v.name
                ),
            ));
        }
    }
}

/// The parameters of function `fname`; `None` (its errors in `cx`) when any rule fails.
fn params_of(
    cx: &mut Ctxt,
    fname: &str,
    list: &Value,
    vars: &[(String, Variable)],
    span: Span,
) -> Option<Vec<Param>> {
    let Value::Array(items) = list else {
        cx.syn_error(err(
            span,
            format!("function {fname}: its parameters are an array"),
        ));
        return None;
    };
    let mut ok = true;
    let mut out = Vec::new();
    for item in items {
        let checked = declared_param(fname, item).and_then(|(name, has_default)| {
            let var = check_is_variable(fname, &name, vars)?;
            check_rust_name(fname, &name)?;
            Ok(Param {
                required: var.required && var.default.is_none() && !has_default,
                ty: var.ty.clone(),
                name,
            })
        });
        match checked {
            Ok(p) => out.push(p),
            Err(msg) => {
                cx.syn_error(err(span, msg));
                ok = false;
            }
        }
    }
    let before = cx.len();
    check_required_given(cx, span, fname, vars, &out);
    (ok && cx.len() == before).then_some(out)
}

fn rust_type(p: &Param) -> TokenStream {
    let json = quote!(::lb::__private::serde_json::Value);
    let t = match &p.ty {
        Some(VarType::Number) => quote!(f64),
        Some(VarType::Integer) => quote!(i64),
        Some(VarType::Boolean) => quote!(bool),
        Some(VarType::Object | VarType::Json | VarType::Array) => json,
        Some(VarType::Other(name)) if name == "any" => json,
        Some(VarType::String | VarType::Other(_)) | None => quote!(&str),
    };
    if p.required {
        t
    } else {
        quote!(::std::option::Option<#t>)
    }
}

/// The client: on errors, every error of every function in one pass, and the struct with the
/// functions that passed (so a mistake does not cascade into "no such type" elsewhere).
pub fn expand(input: Input) -> TokenStream {
    let mut cx = Ctxt::default();
    let span = input.source.span();
    let (text, path) = match load(&input.source) {
        Ok(loaded) => loaded,
        Err(e) => {
            cx.syn_error(e);
            (String::from("null"), None)
        }
    };
    let settings: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        cx.syn_error(err(
            span,
            format!("the REST datasource settings are not JSON: {e}"),
        ));
        Value::Null
    });
    let ops = match settings.get("operations") {
        Some(Value::Array(ops)) => ops.clone(),
        _ => {
            if !settings.is_null() {
                cx.syn_error(err(span, "the settings have no `operations` array"));
            }
            Vec::new()
        }
    };
    let mut fns = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, op) in ops.iter().enumerate() {
        let Some(template) = op.get("template") else {
            cx.syn_error(err(span, format!("operation {i} has no template")));
            continue;
        };
        if !template.get("url").is_some_and(Value::is_string) {
            cx.syn_error(err(
                span,
                format!("operation {i}: the template needs a `url`"),
            ));
            continue;
        }
        let vars = variables(template);
        let Some(Value::Object(functions)) = op.get("functions") else {
            continue;
        };
        for (fname, list) in functions {
            if syn::parse_str::<Ident>(fname).is_err() {
                cx.syn_error(err(span, format!("function `{fname}` is not a Rust name")));
                continue;
            }
            if !seen.insert(fname.clone()) {
                cx.syn_error(err(span, format!("function `{fname}` is declared twice")));
                continue;
            }
            let Some(params) = params_of(&mut cx, fname, list, &vars, span) else {
                continue;
            };
            let ident = format_ident!("{}", fname);
            let args = params.iter().map(|p| {
                let (n, t) = (format_ident!("{}", p.name), rust_type(p));
                quote!(#n: #t)
            });
            let inserts = params.iter().map(|p| {
                let (n, key) = (format_ident!("{}", p.name), &p.name);
                if p.required {
                    quote!(args.insert(#key.to_string(), ::lb::__private::serde_json::json!(#n));)
                } else {
                    quote! {
                        if let ::std::option::Option::Some(v) = #n {
                            args.insert(#key.to_string(), ::lb::__private::serde_json::json!(v));
                        }
                    }
                }
            });
            let doc = format!(
                "Calls `{}` {} (function `{fname}` of the template).",
                template
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("GET"),
                template
                    .get("url")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            );
            fns.push(quote! {
                #[doc = #doc]
                #[allow(clippy::too_many_arguments)]
                pub async fn #ident(&self, #(#args),*) -> ::lb::Result<::lb::__private::serde_json::Value> {
                    let mut args = ::lb::__private::serde_json::Map::new();
                    #(#inserts)*
                    self.datasource
                        .invoke(#fname, ::lb::__private::serde_json::Value::Object(args))
                        .await
                }
            });
        }
    }
    let Input {
        attrs, vis, name, ..
    } = input;
    let track = path.map(|p| {
        quote!(
            const _: &str = ::std::include_str!(#p);
        )
    });
    let errors = cx.check().err().map(|e| e.to_compile_error());
    quote! {
        #errors

        #(#attrs)*
        #[derive(Debug, Clone)]
        #vis struct #name {
            datasource: ::lb::connector::rest::RestDataSource,
        }

        impl #name {
            /// The settings compiled in.
            pub const SETTINGS: &'static str = #text;

            /// A client with the settings compiled in.
            pub fn new() -> ::lb::Result<Self> {
                let settings: ::lb::__private::serde_json::Value =
                    ::lb::__private::serde_json::from_str(Self::SETTINGS)
                        .map_err(|e| ::lb::Error::internal(e.to_string()))?;
                ::std::result::Result::Ok(Self::from_datasource(
                    ::lb::connector::rest::RestDataSource::from_settings(&settings)?,
                ))
            }

            /// A client over a datasource built elsewhere (with hooks, other options).
            pub fn from_datasource(datasource: ::lb::connector::rest::RestDataSource) -> Self {
                Self { datasource }
            }

            /// The datasource (`invoke` by name, hooks).
            pub fn datasource(&self) -> &::lb::connector::rest::RestDataSource {
                &self.datasource
            }

            #(#fns)*
        }

        #track
    }
}
