//! One current reactive owner per request, as if Leptos' thread-local were task-local.
//!
//! Leptos keeps the current reactive owner in a thread-local, and its page renderer makes each
//! page's root owner current without restoring the previous one (`Owner::new_root`). On a
//! multi-threaded runtime, or with requests interleaved on one thread, a request polled after a
//! page that is still rendering, and that creates an owner with `Owner::new()`, gets a child of
//! *that page's* owner and reads its context. The static file handler did exactly that: it took
//! the page's `ResponseOptions` and sent the page's headers — its Content-Security-Policy, any
//! `Set-Cookie` — on a file to another client, and the page arrived with the closed policy of
//! files (`pages::a_page_keeps_its_headers_while_files_are_served`). [`Isolated`] carries the
//! current owner with the request's future: none when it starts, then whatever the request itself
//! made current, on whichever thread it is polled.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use leptos::prelude::Owner;
use leptos::reactive::owner::WeakOwner;

/// Middleware: every request runs [`Isolated`].
pub async fn isolate_requests(request: Request, next: Next) -> Response {
    Isolated::new(next.run(request)).await
}

/// A future polled with its own current owner, restoring the thread's afterwards.
pub struct Isolated<F> {
    future: Pin<Box<F>>,
    owner: Option<WeakOwner>,
}

impl<F: Future> Isolated<F> {
    pub fn new(future: F) -> Self {
        Self {
            future: Box::pin(future),
            owner: None,
        }
    }
}

impl<F: Future> Future for Isolated<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let thread_owner = Owner::current();
        make_current(self.owner.as_ref().and_then(WeakOwner::upgrade));
        let poll = self.future.as_mut().poll(cx);
        self.owner = Owner::current().map(|owner| owner.downgrade());
        make_current(thread_owner);
        poll
    }
}

fn make_current(owner: Option<Owner>) {
    match owner {
        Some(owner) => owner.set(),
        None => {
            if let Some(current) = Owner::current() {
                current.unset();
            }
        }
    }
}
