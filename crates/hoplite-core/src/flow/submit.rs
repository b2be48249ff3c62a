//! Why a flow submission failed, and how that lands in the flow's form (`ory/kratos:
//! ui/container/container.go` `ParseError`, as every `selfservice/flow/*/error.go` uses it).

use crate::error::ErrorObject;
use crate::schema::FieldMessage;
use crate::text::messages;
use crate::ui::Container;

/// Why a submission failed.
#[derive(Debug, Clone)]
pub enum SubmitError {
    /// Validation messages for fields (empty field = container message).
    Form(Vec<FieldMessage>),
    /// An HTTP-style error: a 400 becomes a form message, anything else is answered as is.
    Http(ErrorObject),
}

impl SubmitError {
    /// "Property `field` is missing." on the field `field` (Kratos's `schema.NewRequiredError`).
    pub fn required(field: &str) -> SubmitError {
        SubmitError::Form(vec![FieldMessage {
            field: field.into(),
            message: crate::text::messages::validation_required(field),
        }])
    }
}

impl From<ErrorObject> for SubmitError {
    fn from(e: ErrorObject) -> Self {
        SubmitError::Http(e)
    }
}

/// Writes `err` into a flow's form: field messages onto their fields (empty field: the form),
/// `identity_disabled` and any other 400 as a form message. An error that does not belong into a
/// form is handed back for the flow's non-form answer.
pub fn write_to_form(ui: &mut Container, err: SubmitError) -> Result<(), ErrorObject> {
    match err {
        SubmitError::Form(list) => {
            for m in list {
                ui.add_field_message(&m.field, m.message);
            }
        }
        SubmitError::Http(e) if e.id == "identity_disabled" => {
            ui.messages.push(messages::identity_disabled());
        }
        SubmitError::Http(e) if e.code == 400 => {
            ui.messages.push(messages::validation_generic(&e.reason));
        }
        SubmitError::Http(e) => return Err(e),
    }
    Ok(())
}
