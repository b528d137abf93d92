//! Parsing of the attribute's arguments: `#[runtime::main(flavor =
//! "multi_thread", worker_threads = 4, start_paused = true, crate = "path")]`.
//!
//! Parsing never stops at the first problem: every argument is looked at,
//! each valid one is kept (with the span it was written at) and each error is
//! collected, so that the caller can report all of them at once and still
//! expand the function with what was understood.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Lit, LitBool, LitInt, Meta, MetaNameValue, Path, Token};

use crate::entry::Errors;

/// The names of the accepted arguments, for error messages.
const EXPECTED: &str = "expected one of: `flavor`, `worker_threads`, `start_paused`, `crate`";

/// A valid `worker_threads = N` argument.
pub(crate) struct WorkerThreads {
    /// The number of worker threads, at least 1.
    pub(crate) value: usize,
    /// Where the value was written.
    pub(crate) span: Span,
}

impl WorkerThreads {
    /// The value as an unsuffixed literal located where the user wrote it.
    pub(crate) fn literal(&self) -> LitInt {
        LitInt::new(&self.value.to_string(), self.span)
    }
}

/// A valid `start_paused = true|false` argument.
pub(crate) struct StartPaused {
    /// Whether the runtime's clock starts paused.
    pub(crate) value: bool,
    /// Where the value was written.
    pub(crate) span: Span,
}

impl StartPaused {
    /// The value as a literal located where the user wrote it.
    pub(crate) fn literal(&self) -> LitBool {
        LitBool::new(self.value, self.span)
    }
}

/// The runtime flavor: `flavor = "multi_thread"` (the default) or
/// `flavor = "current_thread"`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `Builder::new_multi_thread()`.
    MultiThread,
    /// `Builder::new_current_thread()`.
    CurrentThread,
}

/// The configuration an attribute's arguments describe.
#[derive(Default)]
pub(crate) struct Config {
    /// `flavor = "..."`; `None` is the multi-thread flavor.
    pub(crate) flavor: Option<Flavor>,
    /// `worker_threads = N`; `None` leaves the runtime's default.
    pub(crate) worker_threads: Option<WorkerThreads>,
    /// `start_paused = b`; `None` leaves the runtime's default (running).
    pub(crate) start_paused: Option<StartPaused>,
    /// `crate = "path"`; `None` means `::runtime`.
    pub(crate) crate_path: Option<Path>,
}

/// Which arguments have been seen so far, valid or not, to detect
/// duplicates.
#[derive(Default)]
struct Seen {
    flavor: bool,
    /// Where `worker_threads` was written (valid or not), for the error
    /// when the flavor is `current_thread`.
    worker_threads_at: Option<Span>,
    worker_threads: bool,
    start_paused: bool,
    krate: bool,
}

/// Parses the arguments of an attribute.
///
/// Returns every valid argument in `Config`; errors are added to `errors`.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Config {
    let mut config = Config::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas,
        Err(error) => {
            errors.push(error);
            return config;
        }
    };

    let mut seen = Seen::default();
    for meta in metas {
        if let Err(error) = parse_one(meta, &mut config, &mut seen) {
            errors.push(error);
        }
    }
    if let (Some(Flavor::CurrentThread), Some(span)) = (config.flavor, seen.worker_threads_at) {
        errors.push(syn::Error::new(
            span,
            "`worker_threads` cannot be used with `flavor = \"current_thread\"`: that runtime \
             runs every task on the thread that calls `block_on`. Remove `worker_threads`, or \
             use `flavor = \"multi_thread\"`",
        ));
        config.worker_threads = None;
    }
    config
}

/// Parses one argument into `config`.
fn parse_one(meta: Meta, config: &mut Config, seen: &mut Seen) -> syn::Result<()> {
    let Some(name) = meta.path().get_ident().cloned() else {
        let msg = format!("unknown argument; {EXPECTED}");
        return Err(syn::Error::new_spanned(meta.path(), msg));
    };

    let (already_seen, example) = match name.to_string().as_str() {
        "worker_threads" => (&mut seen.worker_threads, "worker_threads = 4"),
        "start_paused" => (&mut seen.start_paused, "start_paused = true"),
        "crate" => (&mut seen.krate, "crate = \"::runtime\""),
        "flavor" => (&mut seen.flavor, "flavor = \"current_thread\""),
        other => {
            let msg = format!("unknown argument `{other}`; {EXPECTED}");
            return Err(syn::Error::new(name.span(), msg));
        }
    };

    if name == "worker_threads" && seen.worker_threads_at.is_none() {
        seen.worker_threads_at = Some(name.span());
    }
    if std::mem::replace(already_seen, true) {
        let msg = format!("duplicate argument `{name}`: it may be given only once");
        return Err(syn::Error::new(name.span(), msg));
    }

    let value = match meta {
        Meta::NameValue(MetaNameValue { value, .. }) => value,
        Meta::Path(_) => {
            let msg = format!("the `{name}` argument requires a value, as in `{example}`");
            return Err(syn::Error::new(name.span(), msg));
        }
        Meta::List(list) => {
            let msg = format!("the `{name}` argument is written `{example}`");
            return Err(syn::Error::new(list.delimiter.span().join(), msg));
        }
    };

    if name == "flavor" {
        config.flavor = Some(parse_flavor(&value)?);
    } else if name == "worker_threads" {
        config.worker_threads = Some(parse_worker_threads(&value)?);
    } else if name == "start_paused" {
        config.start_paused = Some(parse_start_paused(&value)?);
    } else {
        config.crate_path = Some(parse_crate_path(&value)?);
    }
    Ok(())
}

/// Looks through the invisible groups a `macro_rules!` macro may wrap a
/// `$value:expr` or `$value:literal` in.
fn strip_groups(mut expr: &Expr) -> &Expr {
    while let Expr::Group(group) = expr {
        expr = &group.expr;
    }
    expr
}

/// Parses the value of `flavor`: `"multi_thread"` or `"current_thread"`.
fn parse_flavor(value: &Expr) -> syn::Result<Flavor> {
    let invalid = || {
        syn::Error::new_spanned(
            value,
            "`flavor` expects `\"multi_thread\"` (the default) or `\"current_thread\"`, as in \
             `flavor = \"current_thread\"`",
        )
    };
    let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(lit), ..
    }) = strip_groups(value)
    else {
        return Err(invalid());
    };
    match lit.value().as_str() {
        "multi_thread" => Ok(Flavor::MultiThread),
        "current_thread" => Ok(Flavor::CurrentThread),
        _ => Err(invalid()),
    }
}

/// Parses the value of `worker_threads`: an integer literal of at least 1.
fn parse_worker_threads(value: &Expr) -> syn::Result<WorkerThreads> {
    let not_an_int = || {
        syn::Error::new_spanned(
            value,
            "`worker_threads` expects a positive integer literal, as in `worker_threads = 4`",
        )
    };
    let Expr::Lit(syn::ExprLit {
        lit: Lit::Int(lit), ..
    }) = strip_groups(value)
    else {
        return Err(not_an_int());
    };
    if !matches!(lit.suffix(), "" | "usize") {
        let msg = format!(
            "`worker_threads` is a `usize`: remove the `{}` suffix",
            lit.suffix()
        );
        return Err(syn::Error::new(lit.span(), msg));
    }
    let span = lit.span();
    let value = lit.base10_parse::<usize>().map_err(|error| {
        syn::Error::new(span, format!("invalid `worker_threads` value: {error}"))
    })?;
    if value == 0 {
        return Err(syn::Error::new(
            span,
            "`worker_threads` must be at least 1: a runtime needs a thread to run tasks on",
        ));
    }
    Ok(WorkerThreads { value, span })
}

/// Parses the value of `start_paused`: a boolean literal.
fn parse_start_paused(value: &Expr) -> syn::Result<StartPaused> {
    let Expr::Lit(syn::ExprLit {
        lit: Lit::Bool(lit),
        ..
    }) = strip_groups(value)
    else {
        return Err(syn::Error::new_spanned(
            value,
            "`start_paused` expects `true` or `false`, as in `start_paused = true`",
        ));
    };
    Ok(StartPaused {
        value: lit.value,
        span: lit.span(),
    })
}

/// Parses the value of `crate`: a string literal holding a path.
fn parse_crate_path(value: &Expr) -> syn::Result<Path> {
    let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(lit), ..
    }) = strip_groups(value)
    else {
        return Err(syn::Error::new_spanned(
            value,
            "`crate` expects a string literal holding a path, as in `crate = \"::runtime\"`",
        ));
    };
    // The path's tokens get the literal's span, so that an unresolved path is
    // reported at the literal.
    lit.parse::<Path>().map_err(|_| {
        let msg = format!("`crate` value `{}` is not a valid path", lit.value());
        syn::Error::new(value.span(), msg)
    })
}
