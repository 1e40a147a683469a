//! Code for `#[remote_methods]`: an `impl lb::RemoteMethods` whose `RemoteMethod`s carry the
//! declared metadata and a glue closure (arguments → Rust values → the function → JSON), plus
//! trait-bound checks spanned at each argument and result type.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Lit;

use super::ir::{Arg, Method, Methods, Param};
use super::types::Special;

fn source_tokens(s: &str) -> TokenStream {
    match s {
        "path" => quote!(::lb::Source::Path),
        "query" => quote!(::lb::Source::Query),
        "header" => quote!(::lb::Source::Header),
        "body" => quote!(::lb::Source::Body),
        "form" => quote!(::lb::Source::Form),
        _ => quote!(::lb::Source::Auto),
    }
}

fn default_tokens(l: &Lit) -> TokenStream {
    quote!(::lb::__private::serde_json::json!(#l))
}

/// `Some(model name)` at run time when the type (inside `Option`/`Vec`) is an lb model.
fn model_probe(ty: &syn::Type) -> TokenStream {
    let mut t = ty;
    while let Some(inner) =
        crate::meta::unwrap_type(t, "Option").or_else(|| crate::meta::unwrap_type(t, "Vec"))
    {
        t = inner;
    }
    quote!({
        #[allow(unused_imports)]
        use ::lb::typed::probe::{ViaModel as _, ViaNoModel as _};
        (&::lb::typed::probe::Probe::<#t>(::std::marker::PhantomData)).lb_model_name()
    })
}

fn accept(a: &Arg) -> TokenStream {
    let name = &a.name;
    let ty = super::types::tokens(&a.lb);
    let mut t = quote!(::lb::Accept::new(#name, #ty));
    if a.required {
        t.extend(quote!(.required()));
    }
    if a.source != "auto" {
        let s = source_tokens(a.source);
        t.extend(quote!(.source(#s)));
    }
    if let Some(d) = &a.default {
        let d = default_tokens(d);
        t.extend(quote!(.default_value(#d)));
    }
    if let Some(d) = &a.description {
        t.extend(quote!(.description(#d)));
    }
    let model = model_probe(&a.ty);
    t.extend(quote!(.model(#model)));
    t
}

fn method(self_ty: &syn::Type, m: &Method) -> TokenStream {
    let name = &m.name;
    let fn_ident = &m.fn_ident;
    let verb = syn::Ident::new(&m.verb, proc_macro2::Span::call_site());
    let path = &m.path;
    let mut lets = TokenStream::new();
    let args: Vec<TokenStream> = m
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| match p {
            Param::Special(Special::App) => quote!(&__inv.app),
            Param::Special(Special::Http) => quote!(&__inv.http),
            Param::Arg(a) => {
                let n = &a.name;
                let ty = &a.ty;
                let local = quote::format_ident!("__arg{}", i);
                let get = quote_spanned!(ty.span()=> __inv.arg::<#ty>(#n));
                lets.extend(quote!(let #local = #get?;));
                quote!(#local)
            }
        })
        .collect();
    let call = if m.is_static {
        quote!(<#self_ty>::#fn_ident(#(#args),*))
    } else {
        lets.extend(
            quote!(let __this: #self_ty = ::lb::__private::typed::instance::<#self_ty>(&__inv)?;),
        );
        quote!(__this.#fn_ident(#(#args),*))
    };
    let call = if m.returns_result {
        quote!(#call.await?)
    } else {
        quote!(#call.await)
    };
    let values = match m.returns.len() {
        0 => quote!({
            let () = __r;
            ::std::vec::Vec::new()
        }),
        1 => {
            let ty = &m.returns[0].ty;
            let model = model_probe(ty);
            let conv = quote_spanned!(ty.span()=> ::lb::remote::to_result::<#ty>(&__r, #model));
            quote!(::std::vec![#conv?])
        }
        _ => {
            let convs = m.returns.iter().enumerate().map(|(i, r)| {
                let ty = &r.ty;
                let idx = syn::Index::from(i);
                let model = model_probe(ty);
                quote_spanned!(ty.span()=> ::lb::remote::to_result::<#ty>(&__r.#idx, #model))
            });
            quote!(::std::vec![#(#convs?),*])
        }
    };
    let mut builder = quote! {
        ::lb::RemoteMethod::new(#name, |__inv: ::lb::Invocation| async move {
            #lets
            let __r = #call;
            ::std::result::Result::Ok(#values)
        })
        .http(::lb::__private::Method::#verb, #path)
    };
    if !m.is_static {
        builder.extend(quote!(.instance()));
    }
    for p in &m.params {
        if let Param::Arg(a) = p {
            let acc = accept(a);
            builder.extend(quote!(.accepts(#acc)));
        }
    }
    for r in &m.returns {
        let arg = &r.arg;
        let ty = super::types::tokens(&r.lb);
        let mut rt = if r.root {
            quote!(::lb::Returns::root(#arg, #ty))
        } else {
            quote!(::lb::Returns::arg(#arg, #ty))
        };
        if let Some(d) = &r.description {
            rt.extend(quote!(.description(#d)));
        }
        let model = model_probe(&r.ty);
        rt.extend(quote!(.model(#model)));
        if crate::meta::unwrap_type(&r.ty, "Option").is_some() {
            rt.extend(quote!(.nullable()));
        }
        builder.extend(quote!(.returns(#rt)));
    }
    if let Some(s) = m.status {
        builder.extend(
            quote!(.status(::lb::__private::StatusCode::from_u16(#s).expect("checked status"))),
        );
    }
    if let Some(s) = m.error_status {
        builder.extend(quote!(.error_status(::lb::__private::StatusCode::from_u16(#s).expect("checked status"))));
    }
    if let Some(d) = &m.description {
        builder.extend(quote!(.description(#d)));
    }
    builder
}

pub fn generate(item: &syn::ItemImpl, m: &Methods) -> TokenStream {
    let self_ty = &m.self_ty;
    let methods = m.methods.iter().map(|x| method(self_ty, x));
    quote! {
        #item

        #[automatically_derived]
        impl ::lb::RemoteMethods for #self_ty {
            fn remote_methods() -> ::std::vec::Vec<::lb::RemoteMethod> {
                ::std::vec![#(#methods),*]
            }
        }
    }
}
