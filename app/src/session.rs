//! The session resource: who is signed in and how one signs in, loaded once per page by the
//! root component and shared through context with the header and the pages.

use leptos::prelude::*;

use crate::{
    api::get_session,
    model::{SignIn, Viewer},
};

/// `(viewer, how to sign in)`, rendered on the server and hydrated.
pub type SessionResource = crate::codec::Loaded<Result<(Option<Viewer>, SignIn), ServerFnError>>;

/// Creates the session resource and provides it to the app.
pub fn provide_session() {
    let session: SessionResource = crate::codec::load(|| (), |_| get_session());
    provide_context(session);
}

/// The session resource provided by [`provide_session`].
pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}
