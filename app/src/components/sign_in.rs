//! The sign-in panel: "Sign in with <forge>" (a redirect through the forge), or for Gogs a
//! username and password form; in demo mode, a word about the demo account.

use leptos::prelude::*;

use crate::model::SignIn;

#[component]
pub fn SignInPanel(sign_in: SignIn) -> impl IntoView {
    let forge = sign_in.forge.clone();
    let form = if sign_in.password {
        view! {
            <form method="post" action="/login" class="stack">
                <label for="username">{format!("{forge} username")}</label>
                <input id="username" name="username" autocomplete="username" required/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <button type="submit" class="button">"Sign in"</button>
            </form>
        }
        .into_any()
    } else {
        view! {
            <a class="button" href="/login" rel="external">{format!("Sign in with {forge}")}</a>
        }
        .into_any()
    };
    view! {
        <section class="card sign-in" aria-labelledby="sign-in-title">
            <h2 id="sign-in-title">"Sign in"</h2>
            <p>
                "Reposync keeps the list of repositories you can reach on " {sign_in.forge.clone()}
                ", with your exact permissions, for your CI."
            </p>
            {form}
            {sign_in.demo.then(|| view! {
                <p class="muted demo-note">
                    "Demo mode: no forge is configured, so a simulated GitHub runs inside this server. "
                    "Signing in approves at once as the demo account, octocat."
                </p>
            })}
        </section>
    }
}
