//! The desk in Portuguese, as an operator whose computer is set to Brazilian
//! Portuguese gets it without choosing anything: every screen is walked and no
//! English is left on it (no text the English dictionary has and the Portuguese one
//! words differently, and no sentence with English's small words in it).

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use signet_e2e::*;

/// The English words and their Portuguese: the `"key": "text",` lines of each `en`
/// object and each Portuguese one in the UI's message modules, and the English Rust
/// sends (error words, the provider catalog; generated into the UI's bindings, their
/// Portuguese keyed `error.<id>` and `catalog.…`).
fn dictionary() -> Vec<(String, String)> {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib");
    let mut english = std::collections::BTreeMap::new();
    let mut portuguese = std::collections::BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(ui.join("messages")).expect("the UI's messages").map(|e| e.unwrap().path()).collect();
    files.extend([ui.join("bindings/errorWords.ts"), ui.join("bindings/catalogWords.ts")]);
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".ts") || name.ends_with(".test.ts") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let mut into = None;
        let mut prefix = "";
        for line in source.lines() {
            if line.starts_with("export const en ") || line.starts_with("export const catalogWords") {
                (into, prefix) = (Some(&mut english), "");
            } else if line.starts_with("export const errorWords") {
                (into, prefix) = (Some(&mut english), "error.");
            } else if line.starts_with("export const ptBR") {
                (into, prefix) = (Some(&mut portuguese), "");
            } else if line.starts_with("};") {
                into = None;
            } else if line.trim().starts_with("...") || line.trim().starts_with("//") {
                // A module spread into en/ptBR (read on its own), or a comment.
            } else if let (Some(map), Some(pair)) = (into.as_mut(), line.trim().strip_suffix(',')) {
                let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&format!("{{{pair}}}")) else {
                    panic!("{}: a message line that does not read as JSON: {line}", path.display());
                };
                for (k, v) in o {
                    map.insert(format!("{prefix}{k}"), v.as_str().unwrap_or_default().to_string());
                }
            }
        }
    }
    assert!(english.len() > 300, "only {} English messages were read from {}", english.len(), ui.display());
    english.into_iter().map(|(k, en)| (en, portuguese.get(&k).cloned().unwrap_or_default())).collect()
}

/// What the window shows in words: visible text, and the labels a screen reader
/// reads (aria-label, placeholder, title, a select's options). Data is left out:
/// code, and anything marked translate="no" (ids, names, the contract's text).
const SHOWN_WORDS: &str = r#"
const shown = [];
const skip = (el) => !el || el.closest('code, pre, textarea, [translate="no"]');
const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode, el = node.parentElement, words = node.textContent.trim();
  if (words && !skip(el) && (visible(el) || el.closest('option'))) shown.push(words);
}
for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
  if (skip(el)) continue;
  for (const a of ['aria-label', 'placeholder', 'title']) { const v = el.getAttribute(a); if (v && v.trim()) shown.push(v.trim()); }
}
return shown;
"#;

/// The words on the window that are still English.
async fn english_on(c: &Client, dictionary: &[(String, String)]) -> Vec<String> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let shown = c.execute(SHOWN_WORDS, vec![]).await.expect("the window's words");
    let small_words = ["the", "and", "of", "is", "are", "with", "your", "this", "from", "not", "to"];
    let mut english = Vec::new();
    for words in shown.as_array().unwrap().iter().filter_map(|v| v.as_str()) {
        // English a message has, unless another message is worded the same in both.
        let in_dictionary = dictionary.iter().any(|(en, _)| en.trim() == words) && !dictionary.iter().any(|(en, pt)| en.trim() == words && pt.trim() == words);
        let lower = words.to_lowercase();
        let has_small_words = lower.split(|ch: char| !ch.is_alphanumeric()).any(|w| small_words.contains(&w));
        if in_dictionary || has_small_words {
            english.push(words.to_string());
        }
    }
    english.sort();
    english.dedup();
    english
}

/// `<screen>-pt-BR.png`, from the top of the page, where an operator starts.
async fn photograph(c: &Client, env: &Env, screen: &str) {
    c.execute("document.querySelector('main h1, section h1')?.scrollIntoView()", vec![]).await.unwrap();
    screenshot(c, env, &format!("{screen}-pt-BR.png")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_whose_computer_speaks_portuguese_finds_no_english_on_any_screen() {
    let env = Env::from_vars();
    let dictionary = dictionary();
    // A bulk file with a row of each problem, for the preview's words.
    let dir = std::env::temp_dir().join(format!("signet-e2e-pt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("lote-de-segunda.csv");
    let department = "3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01";
    let rows = [
        format!("{department},9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e41,text email"),
        format!("{department},9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e42,fax"),
        format!("{department},9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e41,email"),
    ];
    std::fs::write(&csv, format!("department,invoice,options\n{}\n", rows.join("\n"))).unwrap();
    let driver = Driver::start(&[("LANG", "pt_BR.UTF-8"), ("SIGNET_TEST_PICK_FILE", csv.to_str().unwrap())]);
    let c = driver.open_desk(&env).await;
    use_sandbox(&c).await;
    // Earlier tests may have chosen a language: back to the default, the computer's.
    click(&c, "[data-testid='nav-settings']").await;
    select_value(&c, "[data-testid='desk-language']", "system").await;
    wait_for(&c, "html[lang='pt-BR']").await;
    assert_eq!(text(&c, "[data-testid='nav-today']").await, "Hoje");

    let mut found: Vec<String> = Vec::new();
    let mut screens = 0;
    let mut walk = |screen: &str, english: Vec<String>| {
        screens += 1;
        found.extend(english.into_iter().map(|words| format!("{screen}: {words:?}")));
    };
    for area in ["today", "payments", "signatures", "optin", "kyc", "activity", "settings"] {
        click(&c, &format!("[data-testid='nav-{area}']")).await;
        wait_for(&c, &format!("[data-testid='page-{area}']")).await;
        walk(area, english_on(&c, &dictionary).await);
        // The README shows each screen in both languages (Today and opt-in are
        // photographed by accessibility.rs, in states of their own).
        if matches!(area, "signatures" | "kyc" | "settings") {
            photograph(&c, &env, area).await;
        }
    }
    // The states in between an operator reaches.
    click(&c, "[data-testid='nav-payments']").await;
    click(&c, "[data-testid='mode-bulk']").await;
    click(&c, "[data-testid='bulk-choose']").await;
    wait_for(&c, "[data-testid='bulk-preview']").await;
    let problems = c.find_all(Locator::Css("[data-testid='bulk-problem']")).await.unwrap();
    assert_eq!(problems.len(), 2, "a row with an unknown option and one repeating an invoice");
    assert!(problems[0].text().await.unwrap().contains("não é uma opção"));
    walk("payments, a bulk file's preview", english_on(&c, &dictionary).await);
    photograph(&c, &env, "payments-bulk").await;
    click(&c, "[data-testid='mode-one']").await;
    type_into(&c, "[data-testid='invoice']", "12345").await;
    wait_for(&c, "[data-testid='invoice-error']").await;
    assert!(text(&c, "[data-testid='invoice-error']").await.contains("não é um GUID de fatura"), "Rust's check is shown in Portuguese");
    walk("payments, a field in error", english_on(&c, &dictionary).await);
    type_into(&c, "[data-testid='invoice']", "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e3a").await;
    click(&c, "[data-testid='send']:not([disabled])").await;
    wait_for(&c, "[data-testid='result']").await;
    walk("payments, sent", english_on(&c, &dictionary).await);
    photograph(&c, &env, "payments").await;
    for tab in ["signzy", "leegality"] {
        click(&c, "[data-testid='nav-optin']").await;
        click(&c, &format!("[data-testid='tab-{tab}']")).await;
        walk(&format!("optin, {tab}"), english_on(&c, &dictionary).await);
    }
    click(&c, "[data-testid='nav-activity']").await;
    click(&c, "[data-testid='operation-open']").await;
    walk("activity, an operation", english_on(&c, &dictionary).await);
    photograph(&c, &env, "activity").await;

    println!("Portuguese: {screens} screens walked, {} English words found", found.len());
    assert!(found.is_empty(), "English left on the Portuguese desk:\n{}", found.join("\n"));
    assert_eq!(c.execute("return document.documentElement.lang", vec![]).await.unwrap(), json!("pt-BR"));
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
