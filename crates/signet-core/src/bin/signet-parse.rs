//! `signet-parse`: the confined reader for files that come from customers. The desk
//! and the `signet` command line start it for each contract or KYC document and
//! read its answer; it is not meant to be run by hand (see signet_core::untrusted).

fn main() {
    signet_core::untrusted::child::main()
}
