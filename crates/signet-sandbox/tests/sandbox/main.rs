//! The sandbox over real HTTP: each provider's flows, its refusals, and every fault.
//! Requests are signed with signet-providers' real signing functions.

mod common;

mod admin;
mod dollarpe;
mod faults;
mod kpay;
mod leegality;
mod qitech;
mod signzy;
