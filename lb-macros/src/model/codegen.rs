//! Code generation from the model IR.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::attr::{StrictOpt, ValidationKind};
use super::ir::{to_snake, Model, Prop};

fn data_type(p: &Prop) -> TokenStream {
    if let Some(t) = &p.type_override {
        return quote! {
            ::lb::DataType::from_lb_name(#t).unwrap_or(::lb::DataType::Any)
        };
    }
    let ty = &p.ty;
    quote_spanned! {ty.span()=> <#ty as ::lb::__private::PropertyValue>::data_type() }
}

/// The property's type as relation keys compare it (a constant).
fn key_type(p: &Prop) -> TokenStream {
    if let Some(t) = &p.type_override {
        return quote!(::lb::__private::KeyType::named(#t));
    }
    let ty = &p.ty;
    quote_spanned! {ty.span()=> <#ty as ::lb::__private::PropertyValue>::KEY_TYPE }
}

/// A constant that fails to compile when property `a_key` of `a` cannot hold the values of
/// `b_key` of `b` (or, with `list`, is not a list of them). Missing properties are left to the
/// existence checks.
fn key_type_check(
    span: proc_macro2::Span,
    (a, a_key): (&TokenStream, &TokenStream),
    (b, b_key): (&TokenStream, &TokenStream),
    list: bool,
    msg: &str,
) -> TokenStream {
    let test = if list { quote!(lists) } else { quote!(matches) };
    let of = |m: &TokenStream, k: &TokenStream| {
        quote!(::lb::__private::key_type(
            <#m as ::lb::Model>::PROPERTY_NAMES,
            <#m as ::lb::Model>::PROPERTY_KEY_TYPES,
            #k
        ))
    };
    let (x, y) = (of(a, a_key), of(b, b_key));
    quote_spanned! {span=>
        const _: () = {
            if let (::std::option::Option::Some(a), ::std::option::Option::Some(b)) = (#x, #y) {
                if !a.#test(b) {
                    ::std::panic!(#msg);
                }
            }
        };
    }
}

fn optional(p: &Prop) -> TokenStream {
    let ty = &p.ty;
    if p.type_override.is_some() {
        // the type is not a PropertyValue; only `Option` makes it optional
        return match ty {
            syn::Type::Path(tp) if tp.path.segments.last().is_some_and(|s| s.ident == "Option") => {
                quote!(true)
            }
            _ => quote!(false),
        };
    }
    quote_spanned! {ty.span()=> <#ty as ::lb::__private::PropertyValue>::optional() }
}

fn property(p: &Prop) -> TokenStream {
    let name = &p.name;
    let dt = data_type(p);
    let mut opts = Vec::new();
    if p.id {
        opts.push(quote!(let p = p.id();));
    }
    if p.generated {
        opts.push(quote!(let p = p.generated();));
    }
    if p.required {
        opts.push(quote!(let p = p.required();));
    } else if p.implicit_required {
        let optional = optional(p);
        opts.push(quote!(let p = if #optional { p } else { p.required() };));
    }
    if p.hidden {
        opts.push(quote!(let p = p.hidden();));
    }
    if p.protected {
        opts.push(quote!(let p = p.protected();));
    }
    if let Some(d) = &p.default {
        opts.push(quote!(let p = p.default_value(::lb::__private::serde_json::Value::from(#d));));
    }
    if let Some(f) = &p.default_fn {
        opts.push(quote! {
            let p = match ::lb::__private::DefaultFn::from_name(#f) { Some(f) => p.default_fn(f), None => p };
        });
    }
    if let Some(d) = &p.description {
        opts.push(quote!(let p = p.description(#d);));
    }
    if let Some(c) = &p.column {
        opts.push(quote!(let p = p.column(#c);));
    }
    if p.index {
        opts.push(quote!(let p = p.index();));
    }
    let v = quote!(::lb::__private::Rule);
    let value = quote!(::lb::__private::serde_json::Value::from);
    let opt = |x: &Option<syn::LitInt>| match x {
        Some(n) => quote!(::std::option::Option::Some(#n)),
        None => quote!(::std::option::Option::None),
    };
    for val in &p.validations {
        let r = match &val.kind {
            ValidationKind::Length { min, max, is } => {
                let (min, max, is) = (opt(min), opt(max), opt(is));
                quote!(#v::Length { min: #min, max: #max, is: #is })
            }
            ValidationKind::Inclusion(l) => quote!(#v::Inclusion(::std::vec![#(#value(#l)),*])),
            ValidationKind::Exclusion(l) => quote!(#v::Exclusion(::std::vec![#(#value(#l)),*])),
            ValidationKind::Format(re) => {
                quote!(#v::Format(::lb::__private::Regex::new(#re).expect("checked by #[derive(Model)]")))
            }
            ValidationKind::Numericality { integer } => {
                quote!(#v::Numericality { integer: #integer })
            }
            ValidationKind::Absence => quote!(#v::Absence),
            ValidationKind::Unique { scope, ignore_case } => quote!(#v::Uniqueness {
                scope: ::std::vec![#(::std::string::String::from(#scope)),*],
                ignore_case: #ignore_case,
            }),
        };
        let mut with = quote!(::lb::__private::Validation::from(#r));
        if val.allow_blank {
            with = quote!(#with.allow_blank());
        }
        if val.allow_null {
            with = quote!(#with.allow_null());
        }
        opts.push(quote!(let p = p.validate(#with);));
    }
    quote! {
        .property(#name, #dt, |p| { #(#opts)* p })
    }
}

pub fn generate(m: &Model) -> TokenStream {
    let ident = &m.ident;
    let vis = &m.vis;
    let name = &m.name;
    let mut builder = vec![quote!(::lb::ModelDefinition::builder(#name))];
    if let Some(p) = &m.plural {
        builder.push(quote!(.plural(#p)));
    }
    if let Some(p) = &m.path {
        builder.push(quote!(.http_path(#p)));
    }
    if let Some(s) = m.strict {
        let v = match s {
            StrictOpt::True => quote!(True),
            StrictOpt::False => quote!(False),
            StrictOpt::Filter => quote!(Filter),
        };
        builder.push(quote!(.strict(::lb::__private::Strict::#v)));
    }
    if let Some(f) = m.force_id {
        builder.push(quote!(.force_id(#f)));
    }
    if !m.public {
        builder.push(quote!(.public(false)));
    }
    if !m.replace_on_put {
        builder.push(quote!(.replace_on_put(false)));
    }
    if !m.id_injection {
        builder.push(quote!(.id_injection(false)));
    }
    if let Some(d) = &m.description {
        builder.push(quote!(.description(#d)));
    }
    if let Some(r) = &m.resource_name {
        builder.push(quote!(.resource_name(#r)));
    }
    if let Some(t) = &m.table {
        builder.push(quote!(.table(#t)));
    }
    for (name, props, unique) in &m.indexes {
        let name = match name {
            Some(n) => quote!(::std::option::Option::Some(#n)),
            None => quote!(::std::option::Option::None),
        };
        builder.push(quote!(.index(#name, &[#(#props),*], #unique)));
    }
    builder.extend(m.props.iter().map(property));
    if m.validate_upsert {
        builder.push(quote!(.validate_upsert(true)));
    }
    for a in &m.acls {
        let (perm, pt, pid, access) =
            (&a.permission, &a.principal_type, &a.principal_id, &a.access);
        let props = &a.properties;
        builder.push(quote!(.acl(#perm, #pt, #pid, #access, &[#(#props),*])));
    }
    if let Some(s) = m.acl_error_status {
        builder.push(quote!(.acl_error_status(#s)));
    }
    for v in &m.validators {
        builder.push(validator(ident, v));
    }
    let mut relation_checks = Vec::new();
    let mut accessors = Vec::new();
    let mut habtm_fns = Vec::new();
    for r in &m.relations {
        let accessor = syn::Ident::new(&to_snake(&r.name), r.fk_span);
        let (rname, rty) = (&r.name, &r.model);
        let doc = format!("The `{rname}` relation ({}) of this instance.", r.kind);
        let handle = if r.through.is_some() || r.habtm {
            "HasManyThrough"
        } else {
            r.kind
        };
        let handle = syn::Ident::new(handle, proc_macro2::Span::call_site());
        accessors.push(if r.any_model {
            // a polymorphic belongsTo: the target's type is chosen by the caller
            quote! {
                #[doc = #doc]
                #vis fn #accessor<'a>(&self, app: &'a ::lb::App) -> ::lb::typed::BelongsToAny<'a> {
                    ::lb::typed::BelongsToAny::new(app, self, #rname)
                }
            }
        } else {
            // spanned on the target type: "not a Model" points at it
            let ret = quote_spanned!(rty.span()=> ::lb::typed::#handle<'a, #rty>);
            quote! {
                #[doc = #doc]
                #vis fn #accessor<'a>(&self, app: &'a ::lb::App) -> #ret {
                    ::lb::typed::#handle::new(app, self, #rname)
                }
            }
        });
        let (name, ty, fk) = (&r.name, &r.model, &r.foreign_key);
        let kind = syn::Ident::new(r.kind, proc_macro2::Span::call_site());
        let mut opts = if r.any_model {
            Vec::new()
        } else {
            vec![quote!(
                r.target_definition = ::std::option::Option::Some(<#ty as ::lb::Model>::definition);
            )]
        };
        if let Some((pk, span)) = &r.primary_key {
            opts.push(quote!(r.primary_key = ::std::option::Option::Some(#pk.to_string());));
            if r.kind == "BelongsTo" && !r.any_model {
                let msg = format!(
                    "relation `{}`: the target model has no property `{pk}`",
                    r.name
                );
                relation_checks.push(quote_spanned! {*span=>
                    const _: () = {
                        if !::lb::__private::contains(<#ty as ::lb::Model>::PROPERTY_NAMES, #pk) {
                            ::std::panic!(#msg);
                        }
                    };
                });
            }
        }
        if let Some(d) = &r.discriminator {
            opts.push(quote!(r.discriminator = ::std::option::Option::Some(#d.to_string());));
            if !r.any_model {
                let msg = format!(
                    "relation `{}`: the target model has no discriminator property `{d}`",
                    r.name
                );
                relation_checks.push(quote_spanned! {r.fk_span=>
                    const _: () = {
                        if !::lb::__private::contains(<#ty as ::lb::Model>::PROPERTY_NAMES, #d) {
                            ::std::panic!(#msg);
                        }
                    };
                });
            }
        }
        let target_name = if r.any_model {
            quote!("")
        } else {
            quote!(<#ty as ::lb::Model>::MODEL_NAME)
        };
        if let Some(p) = &r.path {
            opts.push(quote!(r.http_path = ::std::option::Option::Some(#p.to_string());));
        }
        if r.disable_include {
            opts.push(quote!(r.disable_include = true;));
        }
        if r.habtm {
            // the generated through model (`PostCategory`): one indexed key per side
            let fn_name = syn::Ident::new(
                &format!(
                    "__lb_through_{}_{}",
                    to_snake(&m.ident.to_string()),
                    to_snake(&r.name)
                ),
                proc_macro2::Span::call_site(),
            );
            let model_name = &m.name;
            let fk = &r.foreign_key;
            opts.push(quote! {
                r.through = ::std::option::Option::Some(
                    ::std::format!("{}{}", #model_name, <#ty as ::lb::Model>::MODEL_NAME));
                r.through_definition = ::std::option::Option::Some(#fn_name);
                r.generated_through = true;
            });
            habtm_fns.push(quote! {
                #[doc(hidden)]
                #[allow(non_snake_case)]
                fn #fn_name() -> &'static ::lb::ModelDefinition {
                    static DEF: ::lb::__private::LazyLock<::lb::ModelDefinition> =
                        ::lb::__private::LazyLock::new(|| {
                            let source = <#ident as ::lb::Model>::definition();
                            let target = <#ty as ::lb::Model>::definition();
                            let rel = source.relation(#name).expect("declared by the derive");
                            ::lb::ModelDefinition::builder(::std::format!("{}{}", #model_name, <#ty as ::lb::Model>::MODEL_NAME))
                                .public(false)
                                .property(#fk, source.id().data_type.clone(), |p| p.index())
                                .property(rel.key_through(), target.id().data_type.clone(), |p| p.index())
                                .build()
                        });
                    &DEF
                }
            });
        }
        if let Some((through, key, span)) = &r.through {
            opts.push(quote! {
                r.through = ::std::option::Option::Some(<#through as ::lb::Model>::MODEL_NAME.to_string());
                r.key_through = ::std::option::Option::Some(#key.to_string());
                r.through_definition = ::std::option::Option::Some(<#through as ::lb::Model>::definition);
            });
            let msg = format!(
                "relation `{}`: the through model has no property `{key}`",
                r.name
            );
            relation_checks.push(quote_spanned! {*span=>
                const _: () = {
                    if !::lb::__private::contains(<#through as ::lb::Model>::PROPERTY_NAMES, #key) {
                        ::std::panic!(#msg);
                    }
                };
            });
        }
        relation_checks.extend(relation_key_types(ident, r));
        builder.push(quote! {
            .relation(#name, ::lb::RelationKind::#kind, #target_name,
                      ::std::option::Option::Some(#fk), |mut r| { #(#opts)* r })
        });
        if let Some((through, _, _)) = &r.through {
            let msg =
                format!("relation `{name}`: the through model has no foreign key property `{fk}`");
            relation_checks.push(quote_spanned! {r.fk_span=>
                const _: () = {
                    if !::lb::__private::contains(<#through as ::lb::Model>::PROPERTY_NAMES, #fk) {
                        ::std::panic!(#msg);
                    }
                };
            });
        } else if r.kind != "BelongsTo" && r.kind != "ReferencesMany" && !r.habtm {
            // the foreign key lives on the target: checked against its property names
            let msg =
                format!("relation `{name}`: the target model has no foreign key property `{fk}`");
            relation_checks.push(quote_spanned! {r.fk_span=>
                const _: () = {
                    if !::lb::__private::contains(<#ty as ::lb::Model>::PROPERTY_NAMES, #fk) {
                        ::std::panic!(#msg);
                    }
                };
            });
        }
    }

    let fields_mod = &m.fields_mod;
    let handles = m.props.iter().map(|p| {
        let field = &p.ident;
        let ty = &p.handle_ty;
        let pname = &p.name;
        let doc = format!("Property `{pname}` of `{}`.", m.name);
        quote! {
            #[doc = #doc]
            pub const #field: ::lb::Field<super::#ident, #ty> = ::lb::Field::new(#pname);
        }
    });
    let injected = m.injected_id.then(|| {
        let doc = format!("The injected id of `{}`.", m.name);
        quote! {
            #[doc = #doc]
            pub const id: ::lb::Field<super::#ident, i64> = ::lb::Field::new("id");
        }
    });
    let mut prop_names: Vec<&str> = m.props.iter().map(|p| p.name.as_str()).collect();
    let mut key_types: Vec<TokenStream> = m.props.iter().map(key_type).collect();
    if m.injected_id {
        prop_names.push("id");
        key_types.push(quote!(::lb::__private::KeyType::NUMBER));
    }
    let id_name = m
        .props
        .iter()
        .find(|p| p.id)
        .map_or("id", |p| p.name.as_str());
    let mod_doc = format!("Typed property handles of `{}` for filters.", m.name);
    let t = quote!(::lb::__private::typed);

    quote! {
        #[automatically_derived]
        impl ::lb::Model for #ident {
            const MODEL_NAME: &'static str = #name;
            const PROPERTY_NAMES: &'static [&'static str] = &[#(#prop_names),*];
            const PROPERTY_KEY_TYPES: &'static [::lb::__private::KeyType] = &[#(#key_types),*];
            const ID_NAME: &'static str = #id_name;
            fn definition() -> &'static ::lb::ModelDefinition {
                static DEF: ::lb::__private::LazyLock<::lb::ModelDefinition> =
                    ::lb::__private::LazyLock::new(|| #(#builder)* .build());
                &DEF
            }

            fn remote_methods() -> ::std::vec::Vec<::lb::RemoteMethod> {
                // `#[remote_methods] impl #ident` when there is one (autoref specialization)
                #[allow(unused_imports)]
                use ::lb::typed::probe::{ViaNone as _, ViaRemoteMethods as _};
                (&::lb::typed::probe::Probe::<Self>(::std::marker::PhantomData)).lb_remote_methods()
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            /// Starts a typed filter.
            #vis fn filter() -> ::lb::TypedFilter<Self> { ::lb::TypedFilter::new() }
            #(#accessors)*
            /// `create`: inserts the instance; `None` fields are absent.
            #vis async fn create(app: &::lb::App, data: &Self) -> ::lb::Result<Self> { #t::create::<Self>(app, data).await }
            /// `find`.
            #vis async fn find(app: &::lb::App, filter: impl ::lb::typed::IntoFilter<Self>) -> ::lb::Result<::std::vec::Vec<Self>> { #t::find::<Self>(app, filter).await }
            /// `findOne`.
            #vis async fn find_one(app: &::lb::App, filter: impl ::lb::typed::IntoFilter<Self>) -> ::lb::Result<::std::option::Option<Self>> { #t::find_one::<Self>(app, filter).await }
            /// `findById`.
            #vis async fn find_by_id(app: &::lb::App, id: impl ::std::convert::Into<::lb::__private::serde_json::Value>) -> ::lb::Result<::std::option::Option<Self>> { #t::find_by_id::<Self>(app, id).await }
            /// `findById(id, filter)`: the filter's `fields` and `include` apply.
            #vis async fn find_by_id_with(app: &::lb::App, id: impl ::std::convert::Into<::lb::__private::serde_json::Value>, filter: impl ::lb::typed::IntoFilter<Self>) -> ::lb::Result<::std::option::Option<Self>> { #t::find_by_id_with::<Self>(app, id, filter).await }
            /// `find` with the related instances its `include` attached.
            #vis async fn find_with_relations(app: &::lb::App, filter: impl ::lb::typed::IntoFilter<Self>) -> ::lb::Result<::std::vec::Vec<::lb::typed::WithRelations<Self>>> { #t::find_with_relations::<Self>(app, filter).await }
            /// `findOne` with the related instances its `include` attached.
            #vis async fn find_one_with_relations(app: &::lb::App, filter: impl ::lb::typed::IntoFilter<Self>) -> ::lb::Result<::std::option::Option<::lb::typed::WithRelations<Self>>> { #t::find_one_with_relations::<Self>(app, filter).await }
            /// `findById(id, filter)` with the related instances its `include` attached.
            #vis async fn find_by_id_with_relations(app: &::lb::App, id: impl ::std::convert::Into<::lb::__private::serde_json::Value>, filter: impl ::lb::typed::IntoFilter<Self>) -> ::lb::Result<::std::option::Option<::lb::typed::WithRelations<Self>>> { #t::find_by_id_with_relations::<Self>(app, id, filter).await }
            /// `count`.
            #vis async fn count(app: &::lb::App, where_: impl ::lb::typed::IntoWhere<Self>) -> ::lb::Result<u64> { #t::count::<Self>(app, where_).await }
            /// `exists`.
            #vis async fn exists(app: &::lb::App, id: impl ::std::convert::Into<::lb::__private::serde_json::Value>) -> ::lb::Result<bool> { #t::exists::<Self>(app, id).await }
            /// `updateAll`: merges a JSON object of changes into every match.
            #vis async fn update_all(app: &::lb::App, where_: impl ::lb::typed::IntoWhere<Self>, data: ::lb::__private::serde_json::Value) -> ::lb::Result<::lb::typed::Count> { #t::update_all::<Self>(app, where_, data).await }
            /// `deleteById`.
            #vis async fn delete_by_id(app: &::lb::App, id: impl ::std::convert::Into<::lb::__private::serde_json::Value>) -> ::lb::Result<::lb::typed::Count> { #t::delete_by_id::<Self>(app, id).await }
            /// `destroyAll`.
            #vis async fn delete_all(app: &::lb::App, where_: impl ::lb::typed::IntoWhere<Self>) -> ::lb::Result<::lb::typed::Count> { #t::delete_all::<Self>(app, where_).await }
            /// `patchOrCreate` (LoopBack's `upsert`).
            #vis async fn upsert(app: &::lb::App, data: &Self) -> ::lb::Result<Self> { #t::upsert::<Self>(app, data).await }
            /// `patchOrCreate` (same as [`Self::upsert`]).
            #vis async fn patch_or_create(app: &::lb::App, data: &Self) -> ::lb::Result<Self> { #t::upsert::<Self>(app, data).await }
            /// `replaceOrCreate`.
            #vis async fn replace_or_create(app: &::lb::App, data: &Self) -> ::lb::Result<Self> { #t::replace_or_create::<Self>(app, data).await }
            /// `replaceById`.
            #vis async fn replace_by_id(app: &::lb::App, id: impl ::std::convert::Into<::lb::__private::serde_json::Value>, data: &Self) -> ::lb::Result<Self> { #t::replace_by_id::<Self>(app, id, data).await }
            /// `patchAttributes`: merges a JSON object of changes into the instance with this id.
            #vis async fn patch_attributes(app: &::lb::App, id: impl ::std::convert::Into<::lb::__private::serde_json::Value>, data: ::lb::__private::serde_json::Value) -> ::lb::Result<Self> { #t::patch_attributes::<Self>(app, id, data).await }
        }

        #(#relation_checks)*
        #(#habtm_fns)*

        #[doc = #mod_doc]
        #[allow(non_upper_case_globals, dead_code)]
        #vis mod #fields_mod {
            #[allow(unused_imports)]
            use super::*;
            #(#handles)*
            #injected
        }
    }
}

/// Compile-time checks that a relation's keys have compatible types (a foreign key of type
/// `string` cannot refer to a `number` id).
fn relation_key_types(source: &syn::Ident, r: &super::ir::Relation) -> Vec<TokenStream> {
    if r.any_model || r.habtm {
        // a polymorphic belongsTo names its target per row; habtm's through model is generated
        return Vec::new();
    }
    let (src, target) = (quote!(#source), {
        let t = &r.model;
        quote!(#t)
    });
    let target_text = quote!(#target).to_string().replace(' ', "");
    let fk = &r.foreign_key;
    let fk_tokens = quote!(#fk);
    let key_of = |m: &TokenStream| match &r.primary_key {
        Some((pk, _)) => quote!(#pk),
        None => quote!(<#m as ::lb::Model>::ID_NAME),
    };
    let key_label = |model: &str| match &r.primary_key {
        Some((pk, _)) => format!("`{model}.{pk}`"),
        None => format!("the id of `{model}`"),
    };
    let name = &r.name;
    let span = r.primary_key.as_ref().map_or(r.fk_span, |(_, s)| *s);
    match (r.kind, &r.through) {
        ("BelongsTo", _) => vec![key_type_check(
            span,
            (&src, &fk_tokens),
            (&target, &key_of(&target)),
            false,
            &format!(
                "relation `{name}`: foreign key `{fk}` does not have the type of {}",
                key_label(&target_text)
            ),
        )],
        ("ReferencesMany", _) => vec![key_type_check(
            span,
            (&src, &fk_tokens),
            (&target, &key_of(&target)),
            true,
            &format!(
                "relation `{name}`: foreign key `{fk}` is not a list of the type of {}",
                key_label(&target_text)
            ),
        )],
        (_, Some((through, kt, kt_span))) => {
            let through = quote!(#through);
            let through_text = through.to_string().replace(' ', "");
            let source_text = source.to_string();
            vec![
                key_type_check(
                    span,
                    (&through, &fk_tokens),
                    (&src, &key_of(&src)),
                    false,
                    &format!(
                        "relation `{name}`: `{through_text}.{fk}` does not have the type of {}",
                        key_label(&source_text)
                    ),
                ),
                key_type_check(
                    *kt_span,
                    (&through, &quote!(#kt)),
                    (&target, &quote!(<#target as ::lb::Model>::ID_NAME)),
                    false,
                    &format!(
                        "relation `{name}`: `{through_text}.{kt}` does not have the type of the id of `{target_text}`"
                    ),
                ),
            ]
        }
        _ => vec![key_type_check(
            span,
            (&target, &fk_tokens),
            (&src, &key_of(&src)),
            false,
            &format!(
                "relation `{name}`: foreign key `{target_text}.{fk}` does not have the type of {}",
                key_label(&source.to_string())
            ),
        )],
    }
}

/// `.custom_validation(..)`: the instance is read as the Rust type and given to the function
/// (an instance that does not read is left to the type and presence checks).
fn validator(ident: &syn::Ident, v: &super::ir::Validator) -> TokenStream {
    let (prop, with) = (&v.property, &v.with);
    let opt = |s: &Option<String>| match s {
        Some(s) => quote!(::std::option::Option::Some(#s)),
        None => quote!(::std::option::Option::None),
    };
    let (code, message) = (opt(&v.code), opt(&v.message));
    let json = quote!(::lb::__private::serde_json);
    let check = if v.is_async {
        let call = quote_spanned!(with.span()=> #with(&this).await);
        quote! {
            ::lb::__private::CustomCheck::Async(|o: #json::Map<::std::string::String, #json::Value>|
                -> ::lb::connector::BoxFuture<'static, bool> {
                ::std::boxed::Box::pin(async move {
                    match #json::from_value::<#ident>(#json::Value::Object(o)) {
                        ::std::result::Result::Ok(this) => #call,
                        ::std::result::Result::Err(_) => true,
                    }
                })
            })
        }
    } else {
        let call = quote_spanned!(with.span()=> #with(&this));
        quote! {
            ::lb::__private::CustomCheck::Sync(|o: &#json::Map<::std::string::String, #json::Value>| {
                match #json::from_value::<#ident>(#json::Value::Object(o.clone())) {
                    ::std::result::Result::Ok(this) => #call,
                    ::std::result::Result::Err(_) => true,
                }
            })
        }
    };
    quote!(.custom_validation(#prop, #code, #message, #check))
}
