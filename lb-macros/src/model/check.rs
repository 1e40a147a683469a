//! The rules a model declaration must follow, one function each (as serde's
//! `internals/check.rs`): each reports into the error accumulator, spanned at the token to
//! fix, and never stops the others.

use proc_macro2::Span;
use syn::{Ident, LitStr, Type};

use super::attr::PropertyAttrs as PropertyOpts;
use super::ir::{Prop, RESERVED};
use crate::ctxt::Ctxt;

/// A generated id is absent until the datasource assigns it: an `Option`.
pub fn generated_id_is_option(cx: &mut Ctxt, ty: &Type, pa: &PropertyOpts, is_option: bool) {
    if pa.id.is_some() && pa.generated && !is_option {
        cx.error(
            ty,
            "a generated id must be an `Option<..>`: it is absent until the datasource assigns it",
        );
    }
}

/// `generated` is for the id property.
pub fn generated_only_on_id(cx: &mut Ctxt, ident: &Ident, pa: &PropertyOpts) {
    if pa.generated && pa.id.is_none() {
        cx.error(ident, "`generated` applies to the id property: add `id`");
    }
}

/// `default` and `default_fn` exclude each other.
pub fn one_default(cx: &mut Ctxt, ident: &Ident, pa: &PropertyOpts) {
    if pa.default.is_some() && pa.default_fn.is_some() {
        cx.error(ident, "use either `default` or `default_fn`, not both");
    }
}

/// `default_fn` names one of LoopBack's (lb-core's list).
pub fn known_default_fn(cx: &mut Ctxt, pa: &PropertyOpts) {
    if let Some(f) = &pa.default_fn {
        if lb_core::DefaultFn::from_name(&f.value()).is_none() {
            cx.error(
                f,
                format!(
                    "unknown `default_fn`; expected {}",
                    lb_core::DefaultFn::NAMES
                ),
            );
        }
    }
}

/// `type = ".."` is a LoopBack type (lb-core's spellings).
pub fn known_type(cx: &mut Ctxt, pa: &PropertyOpts) {
    if let Some(t) = &pa.type_override {
        if lb_core::ArgType::parse(&t.value()).is_none() {
            cx.error(
                t,
                format!(
                    "unknown LoopBack type; expected one of: {}",
                    lb_core::ArgType::NAMES
                ),
            );
        }
    }
}

/// A model has one id property.
pub fn one_id(cx: &mut Ctxt, id_spans: &[Span]) {
    for s in id_spans.iter().skip(1) {
        cx.syn_error(syn::Error::new(
            *s,
            "a model has one id property; `id` is already set on another field",
        ));
    }
}

/// Two fields cannot map to one property name.
pub fn unique_property_names(cx: &mut Ctxt, props: &[Prop]) {
    let mut seen = std::collections::HashSet::new();
    for p in props {
        if !seen.insert(p.name.clone()) {
            cx.error(
                &p.ident,
                format!("two fields map to the property name `{}`", p.name),
            );
        }
    }
}

/// A property named in an option (`what`: `index`, `unique`, ...) exists; the injected `id`
/// counts when the model has no id of its own.
pub fn property_exists(cx: &mut Ctxt, what: &str, lit: &LitStr, names: &[&str], injected_id: bool) {
    let v = lit.value();
    if !(names.contains(&v.as_str()) || (injected_id && v == "id")) {
        let hint = crate::suggest::did_you_mean(&v, names);
        cx.error(
            lit,
            format!("{what}: the model has no property `{v}`{hint}"),
        );
    }
}

/// A relation accessor cannot take the name of a generated function.
pub fn relation_name_free(cx: &mut Ctxt, rel: &Ident, name: &str, model: &Ident) {
    if RESERVED.contains(&name) {
        cx.error(
            rel,
            format!(
                "relation `{name}` would shadow the generated `{model}::{name}`; choose another name"
            ),
        );
    }
}

/// A relation is not named like a property, nor like another relation.
pub fn relation_name_unique(
    cx: &mut Ctxt,
    rel: &Ident,
    name: &str,
    names: &[&str],
    other_relations: &[&str],
) {
    if names.contains(&name) {
        cx.error(rel, format!("relation `{name}` has the name of a property"));
    }
    if other_relations.contains(&name) {
        cx.error(rel, format!("two relations are named `{name}`"));
    }
}

/// A belongsTo / referencesMany foreign key is a property of this model.
pub fn foreign_key_exists(
    cx: &mut Ctxt,
    span: Span,
    kind: &str,
    name: &str,
    foreign_key: &str,
    names: &[&str],
) {
    if !names.contains(&foreign_key) {
        let hint = crate::suggest::did_you_mean(foreign_key, names);
        cx.syn_error(syn::Error::new(
            span,
            format!("{kind} `{name}`: the model has no foreign key property `{foreign_key}`{hint}"),
        ));
    }
}

/// A polymorphic belongsTo's discriminator is a property of this model.
pub fn discriminator_exists(cx: &mut Ctxt, rel: &Ident, name: &str, d: &str, names: &[&str]) {
    if !names.contains(&d) {
        cx.error(
            rel,
            format!(
                "polymorphic belongs_to `{name}`: the model has no discriminator property `{d}`"
            ),
        );
    }
}

/// `id_injection = false` needs an id of the model's own; a field named `id` must be it.
pub fn id_declared(
    cx: &mut Ctxt,
    model: &Ident,
    injected_id: bool,
    id_injection: Option<bool>,
    props: &[Prop],
) {
    if !injected_id {
        return;
    }
    if id_injection == Some(false) {
        cx.error(
            model,
            "`id_injection = false` needs a field marked `#[property(id)]`",
        );
    }
    if let Some(p) = props.iter().find(|p| p.name == "id") {
        cx.error(&p.ident, "a field named `id` must be marked `#[property(id)]` (add `generated` for datasource-assigned ids)");
    }
}
