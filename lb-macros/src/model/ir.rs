//! The checked model IR: no attributes left, only what code generation needs.

use proc_macro2::Span;
use syn::{Ident, Lit, LitStr, Type, Visibility};

use super::attr::{self, StrictOpt};
use super::check;
use super::serde_names;
use crate::ctxt::Ctxt;
use crate::meta::unwrap_type;

pub struct Model {
    pub ident: Ident,
    pub vis: Visibility,
    pub name: String,
    pub plural: Option<String>,
    pub path: Option<String>,
    pub strict: Option<StrictOpt>,
    pub force_id: Option<bool>,
    pub public: bool,
    pub replace_on_put: bool,
    pub id_injection: bool,
    pub description: Option<String>,
    pub fields_mod: Ident,
    pub table: Option<String>,
    pub resource_name: Option<String>,
    /// Composite indexes: name, property names, unique.
    pub indexes: Vec<(Option<String>, Vec<String>, bool)>,
    pub relations: Vec<Relation>,
    pub props: Vec<Prop>,
    /// No property is marked id: LoopBack injects a generated numeric `id`.
    pub injected_id: bool,
    /// Custom validators, in declaration order.
    pub validators: Vec<Validator>,
    /// `validate_upsert`.
    pub validate_upsert: bool,
    /// `acl = ".."` entries.
    pub acls: Vec<super::acl::AclOpt>,
    /// `acl_error_status`.
    pub acl_error_status: Option<u16>,
}

/// A checked custom validator.
pub struct Validator {
    /// The property name (on the wire).
    pub property: String,
    /// The function (`Self` replaced by the type: the call is outside the impl).
    pub with: syn::Path,
    pub code: Option<String>,
    pub message: Option<String>,
    pub is_async: bool,
}

/// A checked relation declaration.
pub struct Relation {
    /// `BelongsTo` / `HasMany` / `HasOne` (the runtime's `RelationKind` variant).
    pub kind: &'static str,
    pub name: String,
    pub model: Type,
    /// The foreign key (the declared one or LoopBack's default).
    pub foreign_key: String,
    /// Where errors about the foreign key point.
    pub fk_span: Span,
    pub path: Option<String>,
    pub disable_include: bool,
    /// hasManyThrough: the through model and its key referring to the target.
    pub through: Option<(Type, String, Span)>,
    /// hasAndBelongsToMany: the through model is generated.
    pub habtm: bool,
    /// Polymorphic relations: the discriminator property.
    pub discriminator: Option<String>,
    /// A polymorphic belongsTo: any model, named by the discriminator.
    pub any_model: bool,
    /// The key the foreign key refers to, when not the id.
    pub primary_key: Option<(String, Span)>,
}

pub struct Prop {
    pub ident: Ident,
    pub ty: Type,
    /// Type of the typed field handle (`Option` and `Vec` unwrapped).
    pub handle_ty: Type,
    pub name: String,
    pub id: bool,
    pub generated: bool,
    pub required: bool,
    /// The Rust field always has a value unless the type is `Option` (checked at run time via
    /// `PropertyValue::optional`), so absence makes the typed API fail: required by default.
    pub implicit_required: bool,
    pub hidden: bool,
    pub protected: bool,
    pub default: Option<Lit>,
    pub default_fn: Option<String>,
    pub description: Option<String>,
    pub type_override: Option<String>,
    pub validations: Vec<attr::ValidationOpt>,
    pub column: Option<String>,
    pub index: bool,
}

/// Names of the generated typed API: a relation accessor cannot take them.
pub(super) const RESERVED: &[&str] = &[
    "filter",
    "create",
    "find",
    "find_one",
    "find_by_id",
    "find_by_id_with",
    "find_with_relations",
    "find_one_with_relations",
    "find_by_id_with_relations",
    "count",
    "exists",
    "update_all",
    "delete_by_id",
    "delete_all",
    "upsert",
    "patch_or_create",
    "replace_or_create",
    "replace_by_id",
    "patch_attributes",
    "definition",
    "remote_methods",
];

/// `Inventory` → `inventory`: LoopBack's default key names start with the model's name,
/// its first letter lower-cased.
fn lower_first(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The last segment of a relation's target type, as [`lower_first`] writes it.
fn camel_type_name(ty: &Option<Type>) -> String {
    let text = quote::quote!(#ty).to_string();
    lower_first(text.rsplit("::").next().unwrap_or(&text).trim())
}

pub fn to_snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl Model {
    pub fn from_input(input: &syn::DeriveInput) -> syn::Result<Model> {
        let mut cx = Ctxt::default();
        let fields = match &input.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(f),
                ..
            }) => Some(&f.named),
            _ => {
                cx.error(
                    &input.ident,
                    "#[derive(Model)] supports structs with named fields only",
                );
                None
            }
        };
        if !input.generics.params.is_empty() {
            cx.error(
                &input.generics,
                "#[derive(Model)] does not support generic structs",
            );
        }
        let opts = attr::model_attrs(&mut cx, &input.attrs);
        let container_serde = serde_names::read(&input.attrs);
        let rename_all = container_serde
            .rename_all
            .as_ref()
            .and_then(|(rule, span)| {
                let ok = serde_names::apply_rename_all(rule, "a_b").is_some();
                if !ok {
                    cx.syn_error(syn::Error::new(
                        *span,
                        format!("unsupported serde rename_all rule `{rule}`"),
                    ));
                }
                ok.then(|| rule.clone())
            });

        let mut props = Vec::new();
        let mut id_spans: Vec<Span> = Vec::new();
        for f in fields.into_iter().flatten() {
            let Some(ident) = f.ident.clone() else {
                continue;
            };
            let serde = serde_names::read(&f.attrs);
            let mut pa = attr::property_attrs(&mut cx, &f.attrs);
            if serde.skip {
                if f.attrs.iter().any(|a| a.path().is_ident("property")) {
                    cx.error(
                        &ident,
                        "a field skipped by serde cannot be a model property",
                    );
                }
                continue;
            }
            if serde.flatten {
                cx.error(&ident, "#[serde(flatten)] fields are not supported on models; declare the properties, or use `strict = false` for dynamic properties");
                continue;
            }
            let rust_name = ident.to_string().trim_start_matches("r#").to_string();
            let name = serde.rename.clone().unwrap_or_else(|| match &rename_all {
                Some(rule) => {
                    serde_names::apply_rename_all(rule, &rust_name).unwrap_or(rust_name.clone())
                }
                None => rust_name.clone(),
            });
            if let Some(span) = pa.id {
                id_spans.push(span);
            }
            // uniqueness is always checked last, as LoopBack does
            pa.validations
                .sort_by_key(|v| matches!(v.kind, attr::ValidationKind::Unique { .. }));
            let option_inner = unwrap_type(&f.ty, "Option").cloned();
            check::generated_id_is_option(&mut cx, &f.ty, &pa, option_inner.is_some());
            check::generated_only_on_id(&mut cx, &ident, &pa);
            check::one_default(&mut cx, &ident, &pa);
            check::known_default_fn(&mut cx, &pa);
            check::known_type(&mut cx, &pa);
            let base = option_inner.clone().unwrap_or_else(|| f.ty.clone());
            let handle_ty = unwrap_type(&base, "Vec").cloned().unwrap_or(base);
            let has_default = pa.default.is_some() || pa.default_fn.is_some() || serde.default;
            props.push(Prop {
                ident,
                ty: f.ty.clone(),
                handle_ty,
                name,
                id: pa.id.is_some(),
                generated: pa.generated,
                required: pa.required,
                implicit_required: !(has_default || (pa.id.is_some() && pa.generated)),
                hidden: pa.hidden,
                protected: pa.protected,
                default: pa.default,
                default_fn: pa.default_fn.map(|s| s.value()),
                description: pa
                    .description
                    .map(|s| s.value())
                    .or_else(|| attr::doc_comment(&f.attrs)),
                type_override: pa.type_override.map(|s| s.value()),
                validations: pa.validations,
                column: pa.column.map(|s| s.value()),
                index: pa.index,
            });
        }
        check::one_id(&mut cx, &id_spans);
        check::unique_property_names(&mut cx, &props);
        let names: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
        let injected_id = id_spans.is_empty();
        for p in opts.indexes.iter().flat_map(|x| &x.properties) {
            check::property_exists(&mut cx, "index", p, &names, injected_id);
        }
        let mut relations = Vec::new();
        let ident_for_self = &input.ident;
        let model_name = opts
            .name
            .as_ref()
            .map(|s| s.value())
            .unwrap_or_else(|| input.ident.to_string());
        for r in &opts.relations {
            let name = syn::ext::IdentExt::unraw(&r.name).to_string();
            check::relation_name_free(&mut cx, &r.name, &name, &input.ident);
            let kind = match r.kind.as_str() {
                "belongs_to" => "BelongsTo",
                "has_many" => "HasMany",
                "references_many" => "ReferencesMany",
                "has_and_belongs_to_many" => "HasMany",
                _ => "HasOne",
            };
            let habtm = r.kind == "has_and_belongs_to_many";
            // polymorphic: `imageable` gives `imageableId` and `imageableType`
            let poly_base = match &r.polymorphic {
                Some(Some(base)) => Some(base.value()),
                Some(None) => Some(name.clone()),
                None => None,
            };
            let discriminator = poly_base.as_ref().map(|b| {
                r.discriminator
                    .as_ref()
                    .map_or(format!("{b}Type"), LitStr::value)
            });
            let any_model = kind == "BelongsTo" && poly_base.is_some();
            let foreign_key = match &r.foreign_key {
                Some(fk) => fk.value(),
                None if poly_base.is_some() => {
                    format!("{}Id", poly_base.clone().unwrap_or_default())
                }
                None if kind == "BelongsTo" => format!("{name}Id"),
                // LoopBack: the target model's name, camelCase, + Ids
                None if kind == "ReferencesMany" => format!("{}Ids", camel_type_name(&r.model)),
                None => format!("{}Id", lower_first(&model_name)),
            };
            let fk_span = r.foreign_key.as_ref().map_or(r.name.span(), LitStr::span);
            if matches!(kind, "BelongsTo" | "ReferencesMany") {
                check::foreign_key_exists(&mut cx, fk_span, &r.kind, &name, &foreign_key, &names);
            }
            let others: Vec<&str> = relations
                .iter()
                .map(|x: &Relation| x.name.as_str())
                .collect();
            check::relation_name_unique(&mut cx, &r.name, &name, &names, &others);
            if let (true, Some(d)) = (any_model, &discriminator) {
                check::discriminator_exists(&mut cx, &r.name, &name, d, &names);
            }
            let _ = r.span;
            let through = r.through.clone().map(|t| {
                let key = match &r.key_through {
                    Some(k) => k.value(),
                    // LoopBack: the target model's name, camelCase, + Id
                    None => format!("{}Id", camel_type_name(&r.model)),
                };
                let span = r.key_through.as_ref().map_or(r.name.span(), LitStr::span);
                (t, key, span)
            });
            // `model = Self` (a self-relation): the checks are outside the impl, name the type
            let model = match r.model.clone().expect("checked by the parser") {
                Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self") => {
                    syn::parse_quote!(#ident_for_self)
                }
                t => t,
            };
            // hasMany/hasOne refer to a key of this model: checked here (belongsTo's is on the
            // target, checked by a constant in the generated code)
            if let Some(pk) = &r.primary_key {
                let v = pk.value();
                if kind != "BelongsTo"
                    && !names.contains(&v.as_str())
                    && !(v == "id" && id_spans.is_empty())
                {
                    cx.error(
                        pk,
                        format!("relation `{name}`: the model has no property `{v}` (primary_key)"),
                    );
                }
            }
            relations.push(Relation {
                primary_key: r.primary_key.as_ref().map(|p| (p.value(), p.span())),
                discriminator,
                any_model,
                habtm,
                through,
                kind,
                name,
                model,
                foreign_key,
                fk_span,
                path: r.path.as_ref().map(LitStr::value),
                disable_include: r.disable_include,
            });
        }
        check::id_declared(
            &mut cx,
            &input.ident,
            injected_id,
            opts.id_injection,
            &props,
        );
        let mut validators = Vec::new();
        for v in &opts.validators {
            let property = match &v.property {
                attr::PropertyRef::Field(f) => {
                    let field = syn::ext::IdentExt::unraw(f).to_string();
                    match props.iter().find(|p| p.ident == field) {
                        Some(p) => Some(p.name.clone()),
                        None => {
                            let fields: Vec<String> =
                                props.iter().map(|p| p.ident.to_string()).collect();
                            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                            let hint = crate::suggest::did_you_mean(&field, &fields);
                            cx.error(
                                f,
                                format!("validate: the model has no field `{field}`{hint}"),
                            );
                            None
                        }
                    }
                }
                attr::PropertyRef::Name(n) => {
                    let v = n.value();
                    if names.contains(&v.as_str()) || (v == "id" && id_spans.is_empty()) {
                        Some(v)
                    } else {
                        let hint = crate::suggest::did_you_mean(&v, &names);
                        cx.error(
                            n,
                            format!("validate: the model has no property `{v}`{hint}"),
                        );
                        None
                    }
                }
            };
            let (Some(property), Some(with)) = (property, v.with.clone()) else {
                continue;
            };
            let mut with = with;
            if with.segments.first().is_some_and(|s| s.ident == "Self") {
                let span = with.segments[0].ident.span();
                with.segments[0].ident = Ident::new(&input.ident.to_string(), span);
            }
            validators.push(Validator {
                property,
                with,
                code: v.code.as_ref().map(LitStr::value),
                message: v.message.as_ref().map(LitStr::value),
                is_async: v.is_async,
            });
        }
        for val in props.iter().flat_map(|p| &p.validations) {
            if let attr::ValidationKind::Unique { scope, .. } = &val.kind {
                for sc in scope {
                    check::property_exists(&mut cx, "unique", sc, &names, injected_id);
                }
            }
        }
        let fields_mod = match &opts.fields_mod {
            Some(s) => syn::parse_str::<Ident>(&s.value()).unwrap_or_else(|_| {
                cx.error(s, "`fields_mod` must be a valid module name");
                Ident::new("fields", s.span())
            }),
            None => {
                // `Crate` → `crate_`, `Type` → `type_`: a keyword cannot name the module
                let mut m = to_snake(&input.ident.to_string());
                if syn::parse_str::<Ident>(&m).is_err() {
                    m.push('_');
                }
                Ident::new(&m, input.ident.span())
            }
        };
        cx.check()?;
        Ok(Model {
            ident: input.ident.clone(),
            vis: input.vis.clone(),
            name: opts
                .name
                .map(|s| s.value())
                .unwrap_or_else(|| input.ident.to_string()),
            plural: opts.plural.map(|s| s.value()),
            path: opts.path.map(|s| s.value()),
            strict: opts.strict,
            force_id: opts.force_id,
            public: opts.public.unwrap_or(true),
            replace_on_put: opts.replace_on_put.unwrap_or(true),
            id_injection: opts.id_injection.unwrap_or(true),
            description: opts
                .description
                .map(|s| s.value())
                .or_else(|| attr::doc_comment(&input.attrs)),
            fields_mod,
            table: opts.table.map(|s| s.value()),
            resource_name: opts.resource_name.map(|s| s.value()),
            relations,
            indexes: opts
                .indexes
                .into_iter()
                .map(|x| {
                    (
                        x.name.map(|s| s.value()),
                        x.properties.iter().map(LitStr::value).collect(),
                        x.unique,
                    )
                })
                .collect(),
            props,
            injected_id,
            validators,
            validate_upsert: opts.validate_upsert.unwrap_or(false),
            acls: opts.acls,
            acl_error_status: opts.acl_error_status,
        })
    }
}

#[cfg(test)]
mod tests {
    /// Every function the derive generates on the model is reserved: a relation accessor of
    /// that name would collide with it.
    #[test]
    fn every_generated_function_is_reserved() {
        let codegen = include_str!("codegen.rs");
        let re = regex::Regex::new(r"#vis (?:async )?fn ([a-z_]+)").unwrap();
        let generated: Vec<&str> = re
            .captures_iter(codegen)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert!(generated.len() > 15, "{generated:?}");
        for name in generated {
            assert!(
                super::RESERVED.contains(&name),
                "`{name}` is generated but not reserved"
            );
        }
    }
}
