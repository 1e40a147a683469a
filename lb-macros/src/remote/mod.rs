//! `#[remote_methods]` on `impl Model { .. }`: each `#[remote_method(...)]` function becomes a
//! LoopBack remote method, checked at compile time (attributes → checked IR → code).

mod attr;
mod codegen;
mod ir;
mod types;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

pub fn expand(mut item: syn::ItemImpl) -> TokenStream {
    let mut cx = Ctxt::default();
    let methods = ir::Methods::from_impl(&mut cx, &mut item);
    match cx.check() {
        Ok(()) => codegen::generate(&item, &methods),
        // the functions stay (without their attributes), so callers see no follow-on errors
        Err(e) => {
            let errors = e.to_compile_error();
            quote! {
                #errors
                #item
            }
        }
    }
}
