//! The server's integration tests, as one test binary: each module below is one area, and all
//! of them share `common` (fixtures on DynamoDB Local, the whole site behind the router, the
//! local stack's outbox). One binary links the server and the AWS SDK once.
//!
//! They run against the local stack and FAIL (never skip) without it: `./dev test`, or
//! `python3 scripts/stack.py --profile test -- cargo test -p server --test it [filter]`.

mod common;

mod admin;
mod auth_store;
mod backup;
mod catalogue;
mod content;
mod guest;
mod limits;
mod mail;
mod outbox;
mod owner;
mod process;
mod router;
mod secrets;
mod sign_in;
mod store;
mod storm;
