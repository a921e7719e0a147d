//! The codec resources are sent from the server to the hydrating page with: JSON, read with
//! `serde_json::from_slice` — the same entry point server-function answers are read with — so
//! each view type's deserializer is compiled into the WASM once rather than twice (Leptos'
//! default codec reads with `from_str`, a second instantiation of every `Deserialize`).

use codee::{Decoder, Encoder};
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// JSON through `serde_json::from_slice`.
pub struct SliceJson;

impl<T: Serialize> Encoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// A resource hydrated through [`SliceJson`].
pub type Loaded<T> = Resource<T, SliceJson>;

/// Like `Resource::new`, with [`SliceJson`].
pub fn load<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
