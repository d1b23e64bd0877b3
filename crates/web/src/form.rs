//! The form extractor of every handler that takes a posted form.
//!
//! The way in ([`crate::auth::admit`]) reads a posted form's whole body to
//! check its CSRF token, and keeps the bytes it read ([`FormBody`]). A
//! form is decoded from them as the handler is called, with nothing left
//! to await; axum's own `Form` awaits the body again, and its future made
//! every handler's call 1.4 kB larger, boxed for every request in flight
//! (issue #3: 500 ballots at once). A request whose body was not read
//! there (a query string, another content type) goes to axum's `Form`,
//! which also gives every refusal its usual answer.

use std::future::Future;
use std::pin::Pin;

use axum::body::Bytes;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request};
use futures_util::future::Either;
use serde::de::DeserializeOwned;

/// The whole body of a URL-encoded form, as the way in read it.
#[derive(Clone, Debug)]
pub(crate) struct FormBody(pub(crate) Bytes);

/// A posted form decoded into `T` (for `application/x-www-form-urlencoded`
/// bodies and query strings, as axum's `Form`).
#[derive(Debug)]
pub(crate) struct Form<T>(pub(crate) T);

/// Decoding a form the way in did not read.
type Elsewhere<T> = Pin<Box<dyn Future<Output = Result<Form<T>, FormRejection>> + Send>>;

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned + Send + 'static,
    S: Send + Sync,
{
    type Rejection = FormRejection;

    fn from_request(
        req: Request,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        let read = req
            .extensions()
            .get::<FormBody>()
            .and_then(|body| serde_urlencoded::from_bytes::<T>(&body.0).ok());
        match read {
            Some(value) => Either::Left(std::future::ready(Ok(Form(value)))),
            // A form that does not decode is refused by axum's `Form`, in
            // its own words.
            None => Either::Right(elsewhere(req)),
        }
    }
}

fn elsewhere<T>(req: Request) -> Elsewhere<T>
where
    T: DeserializeOwned + Send + 'static,
{
    Box::pin(async move {
        let axum::Form(value) = axum::Form::<T>::from_request(req, &()).await?;
        Ok(Form(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Ballot {
        choice: String,
    }

    fn posted(body: &'static str, read: bool) -> Request {
        let mut req = Request::builder()
            .method("POST")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap_or_else(|e| panic!("{e}"));
        if read {
            req.extensions_mut()
                .insert(FormBody(Bytes::from_static(body.as_bytes())));
        }
        req
    }

    #[tokio::test]
    async fn a_form_read_on_the_way_in_is_decoded_from_those_bytes() {
        // The body left in the request says otherwise: the kept bytes win,
        // so nothing is read twice.
        let mut req = posted("choice=tan_thanh", true);
        *req.body_mut() = Body::from("choice=khong");
        let Form(b) = Form::<Ballot>::from_request(req, &())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.choice, "tan_thanh");
    }

    #[tokio::test]
    async fn a_form_not_read_on_the_way_in_is_read_from_its_body() {
        let Form(b) = Form::<Ballot>::from_request(posted("choice=khong", false), &())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.choice, "khong");
    }

    #[tokio::test]
    async fn a_form_that_does_not_decode_is_refused_as_axum_refuses_it() {
        let ours = Form::<Ballot>::from_request(posted("khac=1", true), &()).await;
        let axums = axum::Form::<Ballot>::from_request(posted("khac=1", false), &()).await;
        match (ours, axums) {
            (Err(a), Err(b)) => {
                assert_eq!(a.status(), b.status());
                assert_eq!(a.body_text(), b.body_text());
            }
            _ => panic!("both must refuse a form without its field"),
        }
    }

    #[test]
    fn a_form_being_decoded_holds_little_memory() {
        let decoding = Form::<Ballot>::from_request(posted("choice=khong", true), &());
        let size = std::mem::size_of_val(&decoding);
        assert!(size <= 64, "a form being decoded holds {size} bytes");
    }
}
