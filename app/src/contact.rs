//! The contact page's server function: a message to the team, kept, mailed to the team and
//! copied to its sender through the outbox (in one write), rate limited per client address and
//! per mailbox, with a hidden field that only scripts fill in.

use leptos::prelude::*;

use crate::error::AppError;

/// Sends a message to the team. `website` is the hidden field: people leave it empty.
#[server(prefix = "/api", endpoint = "contact")]
pub async fn send_contact(
    name: String,
    email: String,
    text: String,
    website: Option<String>,
) -> Result<(), AppError> {
    use crate::ports::{LimitedAction, Mail, StoreError};
    use crate::request::{answer, client_address, limit, now, services};
    use domain::contact::Sender;
    use domain::{ContactMessage, ContactText, Email, PersonName};

    answer(async move {
        let services = services()?;
        if Sender::from_trap(website.as_deref()) == Sender::Script {
            tracing::info!("contact message refused: the hidden field was filled in");
            return Err(AppError::BadRequest);
        }
        let message = ContactMessage {
            name: PersonName::parse(&name).map_err(|e| AppError::invalid("name", e))?,
            email: Email::parse(&email).map_err(|e| AppError::invalid("email", e))?,
            text: ContactText::parse(&text).map_err(|e| AppError::invalid("text", e))?,
            sent_at: now(),
        };
        // Posted twice (a double press, a retry after a lost answer), it is kept and mailed once.
        let once = crate::request::once(
            "contact",
            &[
                message.name.as_str(),
                &message.email.mailbox_key(),
                message.text.as_str(),
            ],
        );
        limit(&services, LimitedAction::Contact, &[&client_address()]).await?;
        limit(
            &services,
            LimitedAction::MailTo,
            &[&message.email.mailbox_key()],
        )
        .await?;
        let id = domain::contact::message_id(once.as_ref());
        let mails = [
            Mail::ContactReceived {
                to: services.team_email.clone(),
                from_name: message.name.clone(),
                from_email: message.email.clone(),
                message: message.text.clone(),
                reference: id.clone(),
            },
            Mail::ContactCopy {
                to: message.email.clone(),
                name: message.name.clone(),
                message: message.text.clone(),
            },
        ];
        match services.store.keep_contact(&id, &message, &mails).await {
            // Its id comes from the request: this request, kept before.
            Err(StoreError::Conflict) if once.is_some() => Ok(()),
            other => other.map_err(AppError::from),
        }
    })
    .await
}
