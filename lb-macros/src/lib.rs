//! Procedural macros of lb. Entry points only: each macro parses its input and hands it to
//! the module that checks it, builds an IR and generates code.

mod ctxt;
mod meta;
mod model;
mod remote;
mod rest;
mod suggest;

use proc_macro::TokenStream;

/// Turns a struct into an lb model: a static `ModelDefinition`, the typed persistence API
/// (`create`, `find`, ...), typed field handles for filters, and the LoopBack REST endpoints
/// once the model is attached to an `lb::App`.
///
/// See the `lb` crate documentation for the attribute reference.
#[proc_macro_derive(Model, attributes(model, property))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    model::expand(input).into()
}

/// Turns the `#[remote_method(...)]` functions of an `impl Model { .. }` block into LoopBack
/// remote methods: REST endpoints with coerced arguments, checked at compile time, picked up
/// by `#[derive(Model)]` when the model is attached to an `lb::App`.
///
/// See the `lb` crate documentation for the attribute reference.
#[proc_macro_attribute]
pub fn remote_methods(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(input as syn::ItemImpl);
    if !args.is_empty() {
        let args = proc_macro2::TokenStream::from(args);
        return syn::Error::new_spanned(args, "#[remote_methods] takes no arguments")
            .to_compile_error()
            .into();
    }
    remote::expand(item).into()
}

/// A typed client of a REST datasource: `rest_client! { pub struct Geocoder = "geo.json"; }`
/// (a path from the crate root, or the settings JSON inline) gives `Geocoder::new()` and one
/// async method per declared function, its parameters typed by the template's variables
/// (`{zip:integer}` → `i64`, optional ones `Option<..>`). The compiler checks that the JSON
/// parses, that every parameter is a variable of its template and that every required
/// variable is a parameter.
#[proc_macro]
pub fn rest_client(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as rest::Input);
    rest::expand(input).into()
}
