//! LoopBack-style errors.
//!
//! Every failure that reaches a client is an [`Error`]: an HTTP status, a `name`, a `message`,
//! an optional machine-readable `code` and optional `details`. [`Error::to_envelope`] renders
//! the `{"error":{...}}` body exactly as LoopBack 3's `strong-error-handler` does in production
//! mode (and a development mode that adds more).

use std::borrow::Cow;
use std::fmt;

use axum::http::StatusCode;
use serde_json::{Map, Value};

/// Result type of every fallible lb operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error with everything a LoopBack client sees: status, name, message, code, details.
///
/// ```
/// use lb_runtime::Error;
/// let e = Error::not_found("could not find a model with id 7").with_code("MODEL_NOT_FOUND");
/// assert_eq!(e.status.as_u16(), 404);
/// assert_eq!(e.to_envelope(false)["error"]["code"], "MODEL_NOT_FOUND");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// Error name (`Error`, `ValidationError`, `SyntaxError`, ...).
    pub name: Cow<'static, str>,
    /// Human readable message, LoopBack's wording where LoopBack has one.
    pub message: String,
    /// Machine-readable code (`MODEL_NOT_FOUND`, ...).
    pub code: Option<Cow<'static, str>>,
    /// Structured details (validation errors, per-item bulk errors, ...).
    pub details: Option<Box<Value>>,
    /// LoopBack sets an own `status` property on some errors; development mode shows it.
    pub status_property: bool,
}

impl Error {
    /// A generic error (`name: "Error"`) with the given status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Error {
            status,
            name: Cow::Borrowed("Error"),
            message: message.into(),
            code: None,
            details: None,
            status_property: false,
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 Not Found (the status is also set as an own property, as LoopBack does).
    pub fn not_found(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::NOT_FOUND, message);
        e.status_property = true;
        e
    }

    /// 500 Internal Server Error; production mode hides the message.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// `Unknown "Product" id "99".` with code `MODEL_NOT_FOUND` (findById / findOne misses).
    pub fn unknown_id(model: &str, id_text: &str) -> Self {
        Self::not_found(format!("Unknown \"{model}\" id \"{id_text}\"."))
            .with_code("MODEL_NOT_FOUND")
    }

    /// `could not find a model with id 99` (instance methods on a missing instance).
    pub fn instance_not_found(id_text: &str) -> Self {
        Self::not_found(format!("could not find a model with id {id_text}"))
            .with_code("MODEL_NOT_FOUND")
    }

    /// `Authorization Required` (401, `AUTHORIZATION_REQUIRED`): access denied to a caller
    /// without a valid access token (or with one, where the model's `aclErrorStatus` is 401).
    pub fn authorization_required() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Authorization Required")
            .with_code("AUTHORIZATION_REQUIRED")
    }

    /// `Access Denied` (403, `ACCESS_DENIED`): access denied to an authenticated caller where
    /// the model's (or the app's) `aclErrorStatus` is 403.
    pub fn access_denied() -> Self {
        Self::new(StatusCode::FORBIDDEN, "Access Denied").with_code("ACCESS_DENIED")
    }

    /// `<arg> is a required argument` (400): a required argument the request left out.
    pub fn required_argument(arg: &str) -> Self {
        Self::bad_request(format!("{arg} is a required argument"))
    }

    /// `Operators "$regex, $options" are not allowed in query` (400): the names joined inside
    /// one pair of quotes, as LoopBack 3 writes them.
    pub fn operators_not_allowed(operators: &[String]) -> Self {
        Self::bad_request(format!(
            "Operators \"{}\" are not allowed in query",
            operators.join(", ")
        ))
        .with_code("OPERATOR_NOT_ALLOWED_IN_QUERY")
    }

    /// `data object cannot be empty!` (400: upsertWithWhere with `{}`).
    pub fn empty_data() -> Self {
        Self::bad_request("data object cannot be empty!")
    }

    /// 503 when an answer took longer than the server's request timeout (production answers
    /// show only `Service Unavailable`).
    pub fn request_timeout(limit: std::time::Duration) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the request took longer than {} ms", limit.as_millis()),
        )
        .with_code("REQUEST_TIMEOUT")
    }

    /// 408 when a request's body did not arrive within the server's body-read timeout.
    pub fn body_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request body not received in time",
        )
        .with_code("REQUEST_BODY_TIMEOUT")
    }

    /// Sets the error name.
    pub fn with_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the error code.
    pub fn with_code(mut self, code: impl Into<Cow<'static, str>>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the details object.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// Sets or clears the own `status` property shown in development mode.
    pub fn with_status_property(mut self, on: bool) -> Self {
        self.status_property = on;
        self
    }

    /// The `{"error":{...}}` body. `debug` = development mode (LoopBack's `debug: true`).
    pub fn to_envelope(&self, debug: bool) -> Value {
        self.to_envelope_with(debug, &[])
    }

    /// The envelope in production or development mode, keeping `safe_fields` (`code`,
    /// `details`, `name`, `message`: strong-error-handler's `safeFields`) on a production 5xx.
    pub fn to_envelope_with(&self, debug: bool, safe_fields: &[String]) -> Value {
        let mut o = Map::new();
        self.write_fields(&mut o, debug);
        if self.status.is_server_error() && !debug {
            for f in safe_fields {
                match f.as_str() {
                    "name" => {
                        o.insert("name".into(), Value::from(&*self.name));
                    }
                    "message" => {
                        o.insert("message".into(), Value::from(self.message.clone()));
                    }
                    "code" => {
                        if let Some(code) = &self.code {
                            o.insert("code".into(), Value::from(&**code));
                        }
                    }
                    "details" => {
                        if let Some(d) = &self.details {
                            o.insert("details".into(), (**d).clone());
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut env = Map::new();
        env.insert("error".into(), Value::Object(o));
        Value::Object(env)
    }

    /// The inner error object (used for bulk `details` arrays too).
    pub fn to_object(&self, debug: bool) -> Value {
        let mut o = Map::new();
        self.write_fields(&mut o, debug);
        Value::Object(o)
    }

    fn write_fields(&self, o: &mut Map<String, Value>, debug: bool) {
        o.insert("statusCode".into(), Value::from(self.status.as_u16()));
        if self.status.is_server_error() && !debug {
            // strong-error-handler hides everything of a 5xx in production but the reason phrase;
            // bulk errors keep their details.
            let phrase = self
                .status
                .canonical_reason()
                .unwrap_or("Internal Server Error");
            let multi = self.details.as_deref().is_some_and(Value::is_array);
            o.insert(
                "message".into(),
                Value::from(if multi { &*self.message } else { phrase }),
            );
            if multi {
                o.insert(
                    "details".into(),
                    self.details.as_deref().cloned().unwrap_or(Value::Null),
                );
            }
            return;
        }
        o.insert("name".into(), Value::from(&*self.name));
        o.insert("message".into(), Value::from(self.message.clone()));
        if debug && self.status_property {
            o.insert("status".into(), Value::from(self.status.as_u16()));
        }
        if let Some(code) = &self.code {
            o.insert("code".into(), Value::from(&**code));
        }
        if let Some(details) = &self.details {
            o.insert("details".into(), (**details).clone());
        }
        if debug {
            o.insert(
                "stack".into(),
                Value::from(format!("{}: {}", self.name, self.message)),
            );
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.name,
            self.status.as_u16(),
            self.message
        )
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::internal(format!("JSON conversion failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_4xx_has_only_documented_keys() {
        let e = Error::unknown_id("Product", "99");
        let s = serde_json::to_string(&e.to_envelope(false)).unwrap();
        assert_eq!(
            s,
            r#"{"error":{"statusCode":404,"name":"Error","message":"Unknown \"Product\" id \"99\".","code":"MODEL_NOT_FOUND"}}"#
        );
    }

    #[test]
    fn production_5xx_hides_message() {
        let e = Error::internal("secret detail");
        let s = serde_json::to_string(&e.to_envelope(false)).unwrap();
        assert_eq!(
            s,
            r#"{"error":{"statusCode":500,"message":"Internal Server Error"}}"#
        );
    }

    #[test]
    fn development_adds_status_and_stack() {
        let v = Error::unknown_id("Product", "99").to_envelope(true);
        let keys: Vec<_> = v["error"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            ["statusCode", "name", "message", "status", "code", "stack"]
        );
    }
}
