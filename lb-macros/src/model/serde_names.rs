//! The wire names serde gives fields (`rename`, `rename_all`), so model property names and
//! the JSON the typed API produces always agree.

pub fn apply_rename_all(rule: &str, field: &str) -> Option<String> {
    let words: Vec<&str> = field.split('_').filter(|w| !w.is_empty()).collect();
    let cap = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    Some(match rule {
        "lowercase" => field.to_lowercase(),
        "UPPERCASE" => field.to_uppercase(),
        "PascalCase" => words.iter().map(|w| cap(w)).collect(),
        "camelCase" => {
            let mut s = String::new();
            for (i, w) in words.iter().enumerate() {
                if i == 0 {
                    s.push_str(w);
                } else {
                    s.push_str(&cap(w));
                }
            }
            s
        }
        "snake_case" => field.to_string(),
        "SCREAMING_SNAKE_CASE" => field.to_uppercase(),
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.to_uppercase().replace('_', "-"),
        _ => return None,
    })
}

/// What `#[serde(...)]` says about a container or field.
#[derive(Default)]
pub struct SerdeAttrs {
    pub rename: Option<String>,
    pub rename_all: Option<(String, proc_macro2::Span)>,
    pub skip: bool,
    pub default: bool,
    pub flatten: bool,
}

pub fn read(attrs: &[syn::Attribute]) -> SerdeAttrs {
    let mut out = SerdeAttrs::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // Unknown serde keys are serde's business: skip their values without failing.
        let _ = a.parse_nested_meta(|m| {
            let key = m
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let value = if m.input.peek(syn::Token![=]) {
                let expr: syn::Expr = m.value()?.parse()?;
                Some(expr)
            } else if m.input.peek(syn::token::Paren) {
                let _ = m.parse_nested_meta(|inner| {
                    if inner.input.peek(syn::Token![=]) {
                        let _: syn::Expr = inner.value()?.parse()?;
                    }
                    Ok(())
                });
                None
            } else {
                None
            };
            let text = match &value {
                Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })) => Some(s.value()),
                _ => None,
            };
            match key.as_str() {
                "rename" => out.rename = text,
                "rename_all" => {
                    out.rename_all = text.map(|t| {
                        (
                            t,
                            m.path
                                .get_ident()
                                .map(|i| i.span())
                                .unwrap_or_else(proc_macro2::Span::call_site),
                        )
                    })
                }
                "skip" | "skip_serializing" | "skip_deserializing" => out.skip = true,
                "default" => out.default = true,
                "flatten" => out.flatten = true,
                _ => {}
            }
            Ok(())
        });
    }
    out
}
