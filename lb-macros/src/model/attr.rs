//! Parsing of `#[model(...)]` and `#[property(...)]` into plain option structs.

use proc_macro2::Span;
use syn::parse::Parse;
use syn::{Expr, ExprLit, Lit, LitStr};

use crate::ctxt::Ctxt;
use crate::meta::{flag, key_of, lit_str, set, skip_value};
use crate::suggest::unknown_key;

pub const MODEL_KEYS: &[&str] = &[
    "name",
    "plural",
    "path",
    "strict",
    "force_id",
    "public",
    "replace_on_put",
    "id_injection",
    "description",
    "fields_mod",
    "table",
    "resource_name",
    "index",
    "belongs_to",
    "has_many",
    "has_one",
    "references_many",
    "has_and_belongs_to_many",
    "validate",
    "validate_async",
    "validate_upsert",
    "acl",
    "acl_error_status",
];
pub const PROPERTY_KEYS: &[&str] = &[
    "id",
    "generated",
    "required",
    "hidden",
    "protected",
    "default",
    "default_fn",
    "description",
    "type",
    "length",
    "inclusion",
    "exclusion",
    "format",
    "numericality",
    "absence",
    "unique",
    "column",
    "index",
];

/// A declared validation with LoopBack's `allowBlank` / `allowNull`.
pub struct ValidationOpt {
    pub kind: ValidationKind,
    pub allow_blank: bool,
    pub allow_null: bool,
}

pub enum ValidationKind {
    Length {
        min: Option<syn::LitInt>,
        max: Option<syn::LitInt>,
        is: Option<syn::LitInt>,
    },
    Inclusion(Vec<Lit>),
    Exclusion(Vec<Lit>),
    Format(LitStr),
    Numericality {
        integer: bool,
    },
    Absence,
    Unique {
        scope: Vec<LitStr>,
        ignore_case: bool,
    },
}

impl From<ValidationKind> for ValidationOpt {
    fn from(kind: ValidationKind) -> Self {
        ValidationOpt {
            kind,
            allow_blank: false,
            allow_null: false,
        }
    }
}

/// An item of `inclusion(..)` / `exclusion(..)` / `format(..)`: a value or a flag.
enum ListItem {
    Lit(Lit),
    Flag(syn::Ident),
}

impl syn::parse::Parse for ListItem {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        if input.peek(syn::Ident) {
            Ok(ListItem::Flag(input.parse()?))
        } else {
            Ok(ListItem::Lit(input.parse()?))
        }
    }
}

const BLANK_FLAGS: &[&str] = &["allow_blank", "allow_null"];

/// Sets `allow_blank` / `allow_null` from a flag; anything else is an error.
fn blank_flag(cx: &mut Ctxt, v: &mut ValidationOpt, flag: &syn::Ident, rule: &str, more: &[&str]) {
    match flag.to_string().as_str() {
        "allow_blank" => v.allow_blank = true,
        "allow_null" => v.allow_null = true,
        other => {
            let mut known: Vec<&str> = more.to_vec();
            known.extend(BLANK_FLAGS);
            cx.error(flag, unknown_key(rule, other, &known));
        }
    }
}

/// `strict` values.
#[derive(Clone, Copy)]
pub enum StrictOpt {
    True,
    False,
    Filter,
}

#[derive(Default)]
pub struct ModelAttrs {
    pub name: Option<LitStr>,
    pub plural: Option<LitStr>,
    pub path: Option<LitStr>,
    pub strict: Option<StrictOpt>,
    pub force_id: Option<bool>,
    pub public: Option<bool>,
    pub replace_on_put: Option<bool>,
    pub id_injection: Option<bool>,
    pub description: Option<LitStr>,
    pub fields_mod: Option<LitStr>,
    pub table: Option<LitStr>,
    pub resource_name: Option<LitStr>,
    pub indexes: Vec<IndexOpt>,
    pub relations: Vec<RelationOpt>,
    pub validators: Vec<ValidatorOpt>,
    pub validate_upsert: Option<bool>,
    pub acls: Vec<super::acl::AclOpt>,
    pub acl_error_status: Option<u16>,
}

/// `validate(name, with = Self::name_ok, code = "..", message = "..")` (also
/// `validate_async`): a custom validator of a property.
pub struct ValidatorOpt {
    /// The field (`name`) or the property name (`"firstName"`).
    pub property: PropertyRef,
    pub with: Option<syn::Path>,
    pub code: Option<LitStr>,
    pub message: Option<LitStr>,
    pub is_async: bool,
}

pub enum PropertyRef {
    Field(syn::Ident),
    Name(LitStr),
}

/// `has_many(inventory, model = Inventory, foreign_key = "locationId", path = "..",
/// disable_include)` (also `belongs_to`, `has_one`).
pub struct RelationOpt {
    /// `belongs_to` / `has_many` / `has_one`.
    pub kind: String,
    pub name: syn::Ident,
    pub model: Option<syn::Type>,
    pub foreign_key: Option<LitStr>,
    pub path: Option<LitStr>,
    pub disable_include: bool,
    pub through: Option<syn::Type>,
    pub key_through: Option<LitStr>,
    /// `polymorphic` (belongs_to) or `polymorphic = "imageable"` (has_many/has_one).
    pub polymorphic: Option<Option<LitStr>>,
    pub discriminator: Option<LitStr>,
    pub primary_key: Option<LitStr>,
    pub span: Span,
}

/// `index(properties("a", "b"), unique, name = "..")` on a model.
pub struct IndexOpt {
    pub name: Option<LitStr>,
    pub properties: Vec<LitStr>,
    pub unique: bool,
    pub span: Span,
}

#[derive(Default)]
pub struct PropertyAttrs {
    pub id: Option<Span>,
    pub generated: bool,
    pub required: bool,
    pub hidden: bool,
    pub protected: bool,
    pub default: Option<Lit>,
    pub default_fn: Option<LitStr>,
    pub description: Option<LitStr>,
    pub type_override: Option<LitStr>,
    pub validations: Vec<ValidationOpt>,
    pub column: Option<LitStr>,
    pub index: bool,
}

/// `validate(name, with = Self::name_ok, code = "rude", message = "is rude")`.
fn validator_opt(
    cx: &mut Ctxt,
    m: &syn::meta::ParseNestedMeta,
    is_async: bool,
) -> syn::Result<ValidatorOpt> {
    let content;
    syn::parenthesized!(content in m.input);
    let property = if content.peek(LitStr) {
        PropertyRef::Name(content.parse()?)
    } else {
        PropertyRef::Field(content.parse()?)
    };
    let mut out = ValidatorOpt {
        property,
        with: None,
        code: None,
        message: None,
        is_async,
    };
    if content.parse::<Option<syn::Token![,]>>()?.is_some() && !content.is_empty() {
        let tokens: proc_macro2::TokenStream = content.parse()?;
        let parser = syn::meta::parser(|inner| {
            let k = key_of(&inner);
            match k.as_str() {
                "with" => {
                    let path: syn::Path = inner.value()?.parse()?;
                    set(cx, &mut out.with, path, &inner, &k);
                }
                "code" => set(cx, &mut out.code, lit_str(&inner)?, &inner, &k),
                "message" => set(cx, &mut out.message, lit_str(&inner)?, &inner, &k),
                _ => {
                    cx.error(
                        &inner.path,
                        unknown_key("validate", &k, &["with", "code", "message"]),
                    );
                    skip_value(&inner)?;
                }
            }
            Ok(())
        });
        syn::parse::Parser::parse2(parser, tokens)?;
    }
    if out.with.is_none() {
        cx.error(
            &m.path,
            "a validator needs its function: `validate(name, with = Self::name_ok)`",
        );
    }
    Ok(out)
}

pub fn model_attrs(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> ModelAttrs {
    let mut out = ModelAttrs::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("model")) {
        let r = a.parse_nested_meta(|m| {
            let key = key_of(&m);
            match key.as_str() {
                "name" => set(cx, &mut out.name, lit_str(&m)?, &m, &key),
                "plural" => set(cx, &mut out.plural, lit_str(&m)?, &m, &key),
                "path" => set(cx, &mut out.path, lit_str(&m)?, &m, &key),
                "description" => set(cx, &mut out.description, lit_str(&m)?, &m, &key),
                "fields_mod" => set(cx, &mut out.fields_mod, lit_str(&m)?, &m, &key),
                "table" => set(cx, &mut out.table, lit_str(&m)?, &m, &key),
                "resource_name" => set(cx, &mut out.resource_name, lit_str(&m)?, &m, &key),
                "index" => out.indexes.push(index_opt(cx, &m)?),
                "belongs_to"
                | "has_many"
                | "has_one"
                | "references_many"
                | "has_and_belongs_to_many" => {
                    if let Some(r) = relation_opt(cx, &m, &key)? {
                        out.relations.push(r);
                    }
                }
                "validate" | "validate_async" => {
                    out.validators
                        .push(validator_opt(cx, &m, key == "validate_async")?)
                }
                "validate_upsert" => set(cx, &mut out.validate_upsert, flag(&m)?, &m, &key),
                "acl" => {
                    if let Some(a) = super::acl::acl_opt(cx, &m)? {
                        out.acls.push(a);
                    }
                }
                "acl_error_status" => {
                    let v: syn::LitInt = m.value()?.parse()?;
                    match v.base10_parse::<u16>() {
                        Ok(s @ (401 | 403)) => set(cx, &mut out.acl_error_status, s, &m, &key),
                        _ => cx.error(&v, "`acl_error_status` is 401 or 403"),
                    }
                }
                "force_id" => set(cx, &mut out.force_id, flag(&m)?, &m, &key),
                "public" => set(cx, &mut out.public, flag(&m)?, &m, &key),
                "replace_on_put" => set(cx, &mut out.replace_on_put, flag(&m)?, &m, &key),
                "id_injection" => set(cx, &mut out.id_injection, flag(&m)?, &m, &key),
                "strict" => {
                    let v = if m.input.peek(syn::Token![=]) {
                        let expr: Expr = m.value()?.parse()?;
                        match &expr {
                            Expr::Lit(ExprLit {
                                lit: Lit::Bool(b), ..
                            }) => {
                                if b.value {
                                    StrictOpt::True
                                } else {
                                    StrictOpt::False
                                }
                            }
                            Expr::Lit(ExprLit {
                                lit: Lit::Str(s), ..
                            }) if s.value() == "filter" => StrictOpt::Filter,
                            _ => {
                                return Err(syn::Error::new_spanned(
                                    expr,
                                    "`strict` must be `true`, `false` or `\"filter\"`",
                                ))
                            }
                        }
                    } else {
                        StrictOpt::True
                    };
                    set(cx, &mut out.strict, v, &m, &key);
                }
                _ => {
                    cx.error(&m.path, unknown_key("model", &key, MODEL_KEYS));
                    skip_value(&m)?;
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    super::acl::check_properties(cx, &out.acls, &out.relations);
    out
}

const INDEX_KEYS: &[&str] = &["properties", "unique", "name"];
const RELATION_KEYS: &[&str] = &[
    "model",
    "foreign_key",
    "path",
    "disable_include",
    "through",
    "key_through",
    "polymorphic",
    "discriminator",
    "primary_key",
];

fn relation_opt(
    cx: &mut Ctxt,
    m: &syn::meta::ParseNestedMeta,
    kind: &str,
) -> syn::Result<Option<RelationOpt>> {
    let span = m
        .path
        .get_ident()
        .map_or_else(Span::call_site, |i| i.span());
    let mut name = None;
    let mut model = None;
    let mut foreign_key = None;
    let mut path = None;
    let mut disable_include = false;
    let mut through = None;
    let mut key_through = None;
    let mut polymorphic = None;
    let mut discriminator = None;
    let mut primary_key = None;
    m.parse_nested_meta(|inner| {
        let key = key_of(&inner);
        let bare = !inner.input.peek(syn::Token![=]) && !inner.input.peek(syn::token::Paren);
        match key.as_str() {
            "model" => {
                let ty: syn::Type = inner.value()?.parse()?;
                model = Some(ty);
            }
            "foreign_key" => set(cx, &mut foreign_key, lit_str(&inner)?, &inner, &key),
            "path" => set(cx, &mut path, lit_str(&inner)?, &inner, &key),
            "disable_include" => disable_include = flag(&inner)?,
            "through" if kind == "has_many" => {
                let ty: syn::Type = inner.value()?.parse()?;
                through = Some(ty);
            }
            "key_through" if kind == "has_many" => {
                set(cx, &mut key_through, lit_str(&inner)?, &inner, &key)
            }
            "polymorphic" if kind == "belongs_to" => {
                if flag(&inner)? {
                    polymorphic = Some(None);
                }
            }
            "polymorphic" if kind == "has_many" || kind == "has_one" => {
                polymorphic = Some(Some(lit_str(&inner)?));
            }
            "discriminator" => set(cx, &mut discriminator, lit_str(&inner)?, &inner, &key),
            "primary_key" => set(cx, &mut primary_key, lit_str(&inner)?, &inner, &key),
            _ if bare && name.is_none() => {
                name = inner.path.get_ident().cloned();
            }
            _ => {
                cx.error(&inner.path, unknown_key("relation", &key, RELATION_KEYS));
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    let Some(name) = name else {
        cx.syn_error(syn::Error::new(
            span,
            format!("a relation starts with its name: `{kind}(inventory, model = Inventory)`"),
        ));
        return Ok(None);
    };
    if model.is_none() && polymorphic.is_some() && kind == "belongs_to" {
        // any model: the placeholder is never used as a type
        model = Some(syn::parse_quote!(Self));
    }
    if model.is_none() {
        cx.syn_error(syn::Error::new(
            span,
            format!("relation `{name}` needs its target: `model = TargetModel`"),
        ));
        return Ok(None);
    }
    Ok(Some(RelationOpt {
        kind: kind.to_string(),
        name,
        model,
        foreign_key,
        path,
        disable_include,
        through,
        key_through,
        polymorphic,
        discriminator,
        primary_key,
        span,
    }))
}

fn index_opt(cx: &mut Ctxt, m: &syn::meta::ParseNestedMeta) -> syn::Result<IndexOpt> {
    let mut out = IndexOpt {
        name: None,
        properties: Vec::new(),
        unique: false,
        span: m
            .path
            .get_ident()
            .map_or_else(Span::call_site, |i| i.span()),
    };
    m.parse_nested_meta(|inner| {
        let key = key_of(&inner);
        match key.as_str() {
            "properties" => {
                let content;
                syn::parenthesized!(content in inner.input);
                let list = syn::punctuated::Punctuated::<LitStr, syn::Token![,]>::parse_terminated(
                    &content,
                )?;
                out.properties.extend(list);
            }
            "unique" => out.unique = flag(&inner)?,
            "name" => set(cx, &mut out.name, lit_str(&inner)?, &inner, &key),
            _ => {
                cx.error(&inner.path, unknown_key("index", &key, INDEX_KEYS));
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    if out.properties.is_empty() {
        return Err(syn::Error::new(
            out.span,
            "an index names its properties: `index(properties(\"a\", \"b\"))`",
        ));
    }
    Ok(out)
}

pub fn property_attrs(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> PropertyAttrs {
    let mut out = PropertyAttrs::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("property")) {
        let r = a.parse_nested_meta(|m| {
            let key = key_of(&m);
            match key.as_str() {
                "id" => {
                    if out.id.is_some() {
                        cx.error(&m.path, "duplicate option `id`");
                    }
                    out.id = Some(
                        m.path
                            .get_ident()
                            .map(|i| i.span())
                            .unwrap_or_else(Span::call_site),
                    );
                }
                "generated" => out.generated = flag(&m)?,
                "required" => out.required = flag(&m)?,
                "hidden" => out.hidden = flag(&m)?,
                "protected" => out.protected = flag(&m)?,
                "description" => set(cx, &mut out.description, lit_str(&m)?, &m, &key),
                "default_fn" => set(cx, &mut out.default_fn, lit_str(&m)?, &m, &key),
                "type" => set(cx, &mut out.type_override, lit_str(&m)?, &m, &key),
                "unique" => {
                    let (mut scope, mut ignore_case) = (Vec::new(), false);
                    if m.input.peek(syn::token::Paren) {
                        m.parse_nested_meta(|inner| {
                            match key_of(&inner).as_str() {
                                "scoped_to" => {
                                    let content;
                                    syn::parenthesized!(content in inner.input);
                                    let names = content.parse_terminated(
                                        <LitStr as Parse>::parse,
                                        syn::Token![,],
                                    )?;
                                    scope.extend(names);
                                }
                                "ignore_case" => ignore_case = flag(&inner)?,
                                k => cx.error(
                                    &inner.path,
                                    unknown_key("unique", k, &["scoped_to", "ignore_case"]),
                                ),
                            }
                            Ok(())
                        })?;
                    }
                    out.validations
                        .push(ValidationKind::Unique { scope, ignore_case }.into());
                }
                "absence" => {
                    if flag(&m)? {
                        out.validations.push(ValidationKind::Absence.into());
                    }
                }
                "numericality" => {
                    let mut v: ValidationOpt =
                        ValidationKind::Numericality { integer: false }.into();
                    if m.input.peek(syn::token::Paren) {
                        let content;
                        syn::parenthesized!(content in m.input);
                        let flags = content
                            .parse_terminated(<syn::Ident as Parse>::parse, syn::Token![,])?;
                        for f in flags {
                            if f == "integer" {
                                v.kind = ValidationKind::Numericality { integer: true };
                            } else {
                                blank_flag(cx, &mut v, &f, "numericality", &["integer"]);
                            }
                        }
                    }
                    out.validations.push(v);
                }
                "column" => set(cx, &mut out.column, lit_str(&m)?, &m, &key),
                "index" => out.index = flag(&m)?,
                "format" => {
                    // `format = "re"` or `format("re", allow_blank)`
                    let (re, flags) = if m.input.peek(syn::token::Paren) {
                        let content;
                        syn::parenthesized!(content in m.input);
                        let re: LitStr = content.parse()?;
                        let mut flags = Vec::new();
                        while content.parse::<Option<syn::Token![,]>>()?.is_some() {
                            if content.is_empty() {
                                break;
                            }
                            flags.push(content.parse::<syn::Ident>()?);
                        }
                        (re, flags)
                    } else {
                        (lit_str(&m)?, Vec::new())
                    };
                    if let Err(e) = regex::Regex::new(&re.value()) {
                        cx.error(&re, format!("invalid regular expression: {e}"));
                    }
                    let mut v: ValidationOpt = ValidationKind::Format(re).into();
                    for f in &flags {
                        blank_flag(cx, &mut v, f, "format", &[]);
                    }
                    out.validations.push(v);
                }
                "inclusion" | "exclusion" => {
                    let content;
                    syn::parenthesized!(content in m.input);
                    let items = content.parse_terminated(ListItem::parse, syn::Token![,])?;
                    let mut lits = Vec::new();
                    let mut flags = Vec::new();
                    for item in items {
                        match item {
                            ListItem::Lit(l) => lits.push(l),
                            ListItem::Flag(f) => flags.push(f),
                        }
                    }
                    if lits.is_empty() {
                        cx.error(
                            &m.path,
                            format!("`{key}` needs at least one value: {key}(\"a\", \"b\")"),
                        );
                    }
                    let mut v: ValidationOpt = if key == "inclusion" {
                        ValidationKind::Inclusion(lits)
                    } else {
                        ValidationKind::Exclusion(lits)
                    }
                    .into();
                    for f in &flags {
                        blank_flag(cx, &mut v, f, &key, &[]);
                    }
                    out.validations.push(v);
                }
                "length" => {
                    let (mut min, mut max, mut is) = (None, None, None);
                    let (mut allow_blank, mut allow_null) = (false, false);
                    let content;
                    syn::parenthesized!(content in m.input);
                    let tokens: proc_macro2::TokenStream = content.parse()?;
                    let parser = syn::meta::parser(|inner| {
                        let k = key_of(&inner);
                        match k.as_str() {
                            "allow_blank" => allow_blank = flag(&inner)?,
                            "allow_null" => allow_null = flag(&inner)?,
                            "min" | "max" | "is" => {
                                let v: syn::LitInt = inner.value()?.parse()?;
                                v.base10_parse::<usize>()?;
                                match k.as_str() {
                                    "min" => min = Some(v),
                                    "max" => max = Some(v),
                                    _ => is = Some(v),
                                }
                            }
                            _ => cx.error(
                                &inner.path,
                                unknown_key(
                                    "length",
                                    &k,
                                    &["min", "max", "is", "allow_blank", "allow_null"],
                                ),
                            ),
                        }
                        Ok(())
                    });
                    syn::parse::Parser::parse2(parser, tokens)?;
                    if min.is_none() && max.is_none() && is.is_none() {
                        cx.error(
                            &m.path,
                            "`length` needs `min`, `max` or `is`: length(max = 20)",
                        );
                    }
                    out.validations.push(ValidationOpt {
                        kind: ValidationKind::Length { min, max, is },
                        allow_blank,
                        allow_null,
                    });
                }
                "default" => {
                    let expr: Expr = m.value()?.parse()?;
                    match expr {
                        Expr::Lit(ExprLit { lit, .. }) => set(cx, &mut out.default, lit, &m, &key),
                        Expr::Unary(syn::ExprUnary {
                            op: syn::UnOp::Neg(_),
                            expr,
                            ..
                        }) => match *expr {
                            Expr::Lit(ExprLit {
                                lit: Lit::Int(i), ..
                            }) => {
                                let neg =
                                    syn::LitInt::new(&format!("-{}", i.base10_digits()), i.span());
                                set(cx, &mut out.default, Lit::Int(neg), &m, &key)
                            }
                            Expr::Lit(ExprLit {
                                lit: Lit::Float(f), ..
                            }) => {
                                let neg = syn::LitFloat::new(
                                    &format!("-{}", f.base10_digits()),
                                    f.span(),
                                );
                                set(cx, &mut out.default, Lit::Float(neg), &m, &key)
                            }
                            other => cx.error(
                                other,
                                "`default` must be a literal (string, number or bool)",
                            ),
                        },
                        other => cx.error(
                            other,
                            "`default` must be a literal (string, number or bool)",
                        ),
                    }
                }
                _ => {
                    cx.error(&m.path, unknown_key("property", &key, PROPERTY_KEYS));
                    skip_value(&m)?;
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    out
}

/// `///` doc comments joined into one description.
pub fn doc_comment(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
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
