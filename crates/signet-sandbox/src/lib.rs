//! A faithful local stand-in for every provider Signet talks to (myKaarma KPay,
//! DollarPe, QI Tech, Signzy): a real HTTP server on 127.0.0.1 answering on the
//! providers' own paths, with their authentication, validation and error shapes. State
//! is in memory; every provider request is journaled; faults (latency, 500s, dropped
//! connections before or after the handler ran, hangs) can be injected.
//!
//! Used in-process by the desk's Sandbox profile, standalone by
//! `signet sandbox serve` (see [`serve`]), and by tests over real HTTP. Each provider
//! module documents the choices made where the provider's excerpt is silent.

mod admin;
mod clock;
mod config;
mod credentials;
pub mod demo;
mod dollarpe;
mod journal;
mod kpay;
mod leegality;
mod pages;
mod qitech;
mod routes;
mod server;
mod signzy;
mod state;

pub use config::{Faults, SandboxConfig, SchemeCheck, StyleCheck};
pub use credentials::{demo_credentials, provider_access, DemoCredentials};
pub use journal::JournalEntry;
pub use server::{serve, Sandbox};
