//! What a package installs beside the programs: manual pages and shell completions,
//! generated from the clap definitions so they say what `--help` says.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use signet_core::CoreError;

use crate::cli::Cli;

/// The completion script for `shell`, on standard output. A reader that stops
/// early (`| head`) is not an error.
pub fn completions(shell: Shell) -> Result<(), CoreError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "signet", &mut script);
    match std::io::stdout().write_all(&script) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CoreError::Io { context: "cannot print the completion script".into(), source: e }),
        _ => Ok(()),
    }
}

/// Writes `signet.1`, one page per subcommand (`signet-payment-request-send.1`, ...)
/// and `signet-desk.1` into `out`. Returns every page in `out` (give it a new folder).
pub fn write(out: &Path) -> Result<Vec<PathBuf>, CoreError> {
    let io = |context: String| move |source| CoreError::Io { context, source };
    std::fs::create_dir_all(out).map_err(io(format!("cannot create {}", out.display())))?;
    // One page per visible command, without clap's `help` subcommands.
    clap_mangen::generate_to(Cli::command(), out).map_err(io(format!("cannot write the manual pages into {}", out.display())))?;
    let desk = out.join("signet-desk.1");
    std::fs::write(&desk, desk_page().map_err(io("cannot render signet-desk.1".into()))?).map_err(io(format!("cannot write {}", desk.display())))?;
    let mut pages: Vec<PathBuf> = std::fs::read_dir(out)
        .map_err(io(format!("cannot list {}", out.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "1"))
        .collect();
    pages.sort();
    Ok(pages)
}

/// The desk's page. It takes no arguments; the page says how it starts, where it
/// keeps its data and what it shares with `signet`.
fn desk_page() -> std::io::Result<Vec<u8>> {
    let desk = clap::Command::new("signet-desk")
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_flag(true)
        .disable_version_flag(true)
        .about("the Signet desk: payment requests, e-signatures, opt-in signing and KYC from one window")
        .long_about(
            "The Signet desk opens one window from which back-office staff and branch operators send \
             payment requests, follow and capture e-signatures, take opt-in contract signatures at the desk \
             and submit KYC documents. It opens on the built-in Sandbox profile, which answers like every \
             provider without reaching the network. API keys and passwords are kept only in the OS keyring \
             (the Secret Service: GNOME Keyring or KWallet). One desk runs on a data folder at a time; \
             the signet command line works on the same data folder, profiles and keyring entries.",
        );
    let man = clap_mangen::Man::new(desk);
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    use roff::{bold, roman, Roff};
    let mut more = Roff::new();
    let entry = |r: &mut Roff, term: &str, text: &str| {
        r.control("TP", []).text([bold(term)]).text([roman(text)]);
    };
    more.control("SH", ["ENVIRONMENT"]);
    entry(&mut more, "SIGNET_DATA_DIR", "The data folder, instead of ~/.local/share/app.signet.desk; the logs then go in its logs folder.");
    entry(&mut more, "RUST_LOG", "The log level (default info). Secrets are never logged.");
    more.control("SH", ["FILES"]);
    entry(
        &mut more,
        "~/.local/share/app.signet.desk",
        "Profiles, the outbox, the evidence ledger and kept files. Installing, upgrading or removing the package leaves it in place.",
    );
    entry(&mut more, "/usr/lib/signet/signet-parse", "The confined reader that opens files from customers in a separate, limited process.");
    more.control("SH", ["SEE ALSO"]);
    more.text([bold("signet"), roman("(1)")]);
    more.to_writer(&mut page)?;
    Ok(page)
}
