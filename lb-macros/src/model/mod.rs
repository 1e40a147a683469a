//! `#[derive(Model)]`: attributes → checked IR → generated code.

mod acl;
mod attr;
mod check;
mod codegen;
mod ir;
mod serde_names;

use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(input: syn::DeriveInput) -> TokenStream {
    match ir::Model::from_input(&input) {
        Ok(model) => codegen::generate(&model),
        Err(e) => fallback(&input, e),
    }
}

/// On error: the errors plus a stub `impl Model` so uses of the type do not add follow-on
/// errors (thiserror's approach).
fn fallback(input: &syn::DeriveInput, e: syn::Error) -> TokenStream {
    let ident = &input.ident;
    let name = ident.to_string();
    let errors = e.to_compile_error();
    if !input.generics.params.is_empty() {
        return errors;
    }
    quote! {
        #errors
        #[automatically_derived]
        impl ::lb::Model for #ident {
            const MODEL_NAME: &'static str = #name;
            const PROPERTY_NAMES: &'static [&'static str] = &[];
            fn definition() -> &'static ::lb::ModelDefinition {
                static DEF: ::lb::__private::LazyLock<::lb::ModelDefinition> =
                    ::lb::__private::LazyLock::new(|| ::lb::ModelDefinition::builder(#name).build());
                &DEF
            }
        }
    }
}
