//! `#[runtime::main]` and `#[runtime::test]`: validation of the function and
//! expansion.
//!
//! Whatever goes wrong, the attribute expands to the function (as close to
//! the intended expansion as possible) followed by a `compile_error!` for
//! each problem found, so that IDEs keep analysing the body.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::{Attribute, Meta, ReturnType, Signature};

use crate::config::{self, Config};
use crate::item::ItemFn;

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[runtime::main]`.
    Main,
    /// `#[runtime::test]`.
    Test,
}

impl Kind {
    /// The attribute as users write it, for error messages.
    pub(crate) fn attr_name(self) -> &'static str {
        match self {
            Kind::Main => "runtime::main",
            Kind::Test => "runtime::test",
        }
    }
}

/// Errors collected while expanding, reported together.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds `error` after those already collected.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Adds an error with `msg` spanning the tokens of `tokens`.
    fn push_spanned(&mut self, tokens: impl ToTokens, msg: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, msg));
    }

    /// Appends a `compile_error!` for each collected error to `tokens`.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        if let Some(errors) = &self.0 {
            tokens.extend(errors.to_compile_error());
        }
    }
}

/// Expands `#[runtime::main(args)]` or `#[runtime::test(args)]` applied to
/// `item`.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let input: ItemFn = match syn::parse2(item.clone()) {
        Ok(input) => input,
        Err(error) => {
            // Not a function: there is nothing to expand, leave it alone.
            let msg = format!(
                "`#[{}]` can only be applied to an `async fn`",
                kind.attr_name()
            );
            errors.push(syn::Error::new(error.span(), msg));
            let mut tokens = item;
            errors.to_tokens(&mut tokens);
            return tokens;
        }
    };

    let config = config::parse(args, &mut errors);
    let valid_signature = check_signature(&input, kind, &mut errors);

    let mut tokens = if valid_signature {
        expand_fn(&input, kind, &config)
    } else {
        expand_invalid_signature(&input, kind)
    };
    errors.to_tokens(&mut tokens);
    tokens
}

/// Checks that the function can be turned into a `main` function or a test.
///
/// Returns `false` when its signature is one that rustc would reject once
/// expanded (parameters or generics on `main` or on a test), so that such an
/// error is only reported once, by the attribute.
fn check_signature(input: &ItemFn, kind: Kind, errors: &mut Errors) -> bool {
    let sig = &input.sig;
    if sig.asyncness.is_none() {
        let msg = format!(
            "`#[{}]` requires an `async fn`: the `async` keyword is missing from the function \
             declaration",
            kind.attr_name()
        );
        errors.push_spanned(sig.fn_token, msg);
    }

    if kind == Kind::Test {
        if let Some(attr) = input.attrs().find(|attr| is_test_attribute(attr)) {
            let msg = "second test attribute: `#[runtime::test]` already makes the function a \
                       test, remove this attribute";
            errors.push_spanned(attr, msg);
        }
    }

    // `#[runtime::main]` may also be used on other functions than `main`,
    // which can take parameters.
    let what = match kind {
        Kind::Main if sig.ident != "main" => return true,
        Kind::Main => "the `main` function",
        Kind::Test => "a test function",
    };
    let mut valid = true;
    if !sig.generics.params.is_empty() {
        errors.push_spanned(
            &sig.generics,
            format!("{what} cannot have generic parameters"),
        );
        valid = false;
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.push_spanned(where_clause, format!("{what} cannot have a `where` clause"));
        valid = false;
    }
    if !sig.inputs.is_empty() || sig.variadic.is_some() {
        let params = if sig.inputs.is_empty() {
            sig.variadic.to_token_stream()
        } else {
            sig.inputs.to_token_stream()
        };
        errors.push_spanned(params, format!("{what} cannot take parameters"));
        valid = false;
    }
    valid
}

/// Whether `attr` is `#[test]`, `#[core::prelude::*::test]` or
/// `#[std::prelude::*::test]` (with or without a leading `::`).
fn is_test_attribute(attr: &Attribute) -> bool {
    let Meta::Path(path) = &attr.meta else {
        return false;
    };
    let segments: Vec<_> = path.segments.iter().collect();
    if segments.iter().any(|segment| !segment.arguments.is_none()) {
        return false;
    }
    match segments.as_slice() {
        [test] => path.leading_colon.is_none() && test.ident == "test",
        [krate, prelude, _edition, test] => {
            (krate.ident == "core" || krate.ident == "std")
                && prelude.ident == "prelude"
                && test.ident == "test"
        }
        _ => false,
    }
}

/// The path to the runtime crate: the `crate` argument, or `::runtime`.
fn crate_path(config: &Config) -> TokenStream {
    config
        .crate_path
        .as_ref()
        .map_or_else(|| quote!(::runtime), ToTokens::to_token_stream)
}

/// An expression building a runtime as `config` describes, panicking if
/// that fails.
fn build_runtime(config: &Config) -> TokenStream {
    let crate_path = crate_path(config);
    let mut builder = match config.flavor {
        Some(config::Flavor::CurrentThread) => quote!(#crate_path::Builder::new_current_thread()),
        _ => quote!(#crate_path::Builder::new_multi_thread()),
    };
    if let Some(worker_threads) = &config.worker_threads {
        let value = worker_threads.literal();
        builder = quote!(#builder.worker_threads(#value));
    }
    if let Some(start_paused) = &config.start_paused {
        let value = start_paused.literal();
        builder = quote!(#builder.start_paused(#value));
    }
    quote! {
        match #builder.build() {
            ::core::result::Result::Ok(runtime) => runtime,
            ::core::result::Result::Err(error) => {
                ::core::panic!("failed to build the runtime: {}", error)
            }
        }
    }
}

/// Whether the type `output` can be named in `dyn Future<Output = ...>`:
/// not `_`, and without `impl Trait` or `!` in it.
fn is_nameable_output(output: &ReturnType) -> bool {
    fn nameable(tokens: TokenStream) -> bool {
        tokens.into_iter().all(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident != "impl",
            proc_macro2::TokenTree::Punct(punct) => punct.as_char() != '!',
            proc_macro2::TokenTree::Group(group) => nameable(group.stream()),
            proc_macro2::TokenTree::Literal(_) => true,
        })
    }
    match output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => {
            !matches!(**ty, syn::Type::Infer(_)) && nameable(ty.to_token_stream())
        }
    }
}

/// The expansion of a function with a valid signature (`body` and `runtime`
/// being hygienic locals):
///
/// ```text
/// #[attrs]
/// #[::core::prelude::v1::test] // for `#[runtime::test]`
/// vis fn name(params) -> Output {
///     let body = async move { body };
///     // For `#[runtime::test]`, unless `Output` cannot be named: one
///     // `block_on` instance for all the tests.
///     let body = ::core::pin::pin!(body);
///     let body: Pin<&mut dyn Future<Output = Output>> = body;
///     #[allow(clippy::needless_return, clippy::panic)]
///     {
///         let runtime = match ::runtime::Builder::new().worker_threads(N).build() {
///             Ok(runtime) => runtime,
///             Err(error) => panic!("failed to build the runtime: {}", error),
///         };
///         return runtime.block_on(body);
///     }
/// }
/// ```
fn expand_fn(input: &ItemFn, kind: Kind, config: &Config) -> TokenStream {
    let mut sig = input.sig.clone();
    sig.asyncness = None;

    // Generated code that rustc blames when the body's type does not match
    // the return type is located at the body's last statement.
    let (last_start, last_end) = input.last_stmt_spans();
    let located = |span: Span| Span::call_site().located_at(span);

    // Locals are hygienic: the body cannot see them, nor shadow them.
    let body_var = syn::Ident::new("body", Span::mixed_site().located_at(last_end));
    let runtime_var = syn::Ident::new("runtime", Span::mixed_site().located_at(last_end));

    let block = input.body_block();
    let mut body = quote_spanned! {located(last_start)=>
        let #body_var = async move #block;
    };
    if kind == Kind::Test && is_nameable_output(&sig.output) {
        // Every test's future is turned into the same type, so that
        // `block_on` is only instantiated once for all the tests returning
        // the same type: faster to compile.
        let output = match &sig.output {
            ReturnType::Default => quote!(()),
            ReturnType::Type(_, ty) => ty.to_token_stream(),
        };
        body.extend(quote! {
            let #body_var = ::core::pin::pin!(#body_var);
            let #body_var: ::core::pin::Pin<
                &mut dyn ::core::future::Future<Output = #output>
            > = #body_var;
        });
    }
    // The runtime is built and used in a block statement that diverges
    // (through `return`) rather than in the tail expression, as attributes
    // are not allowed on expressions.
    let build = build_runtime(config);
    let block_on = quote_spanned! {located(last_end)=>
        return #runtime_var.block_on(#body_var);
    };
    body.extend(quote! {
        #[allow(clippy::needless_return, clippy::panic)]
        {
            let #runtime_var = #build;
            #block_on
        }
    });

    let mut tokens = TokenStream::new();
    input.attrs_to_tokens(&mut tokens);
    if kind == Kind::Test {
        tokens.extend(quote!(#[::core::prelude::v1::test]));
    }
    input.vis.to_tokens(&mut tokens);
    sig.to_tokens(&mut tokens);
    input
        .brace_token
        .surround(&mut tokens, |tokens| tokens.extend(body));
    tokens
}

/// The expansion of a function whose signature cannot be that of `main` or
/// of a test: a function with the intended signature, holding the user's
/// function unchanged, so that its body is still type-checked (and analysed
/// by IDEs) without rustc adding its own errors about the signature.
fn expand_invalid_signature(input: &ItemFn, kind: Kind) -> TokenStream {
    let mut tokens = TokenStream::new();
    input.attrs_to_tokens(&mut tokens);
    if kind == Kind::Test {
        tokens.extend(quote!(#[::core::prelude::v1::test]));
    }
    let ItemFn { vis, sig, .. } = input;
    let Signature { ident, output, .. } = sig;
    let block = input.body_block();
    tokens.extend(quote! {
        #vis fn #ident() #output {
            #[allow(dead_code)]
            #sig #block
            ::core::unreachable!()
        }
    });
    tokens
}
