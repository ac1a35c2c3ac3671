// The desk's words in its languages. Each screen names its words by key; `t` finds
// them in the chosen language, falling back to English for a key not translated
// yet. The language itself is a desk setting kept in Rust (Settings, Language), and
// reaches the window with the status bar's answer.
import { en, type MessageKey } from "./messages/en";
import { ptBR } from "./messages/pt-BR";
import { ptBR as catalogPtBR } from "./messages/catalog";
import { ptBR as errorsPtBR } from "./messages/errors";

export type Language = "en" | "pt-BR";
export const LANGUAGES: { id: Language; name: string }[] = [
  { id: "en", name: "English" },
  { id: "pt-BR", name: "Português (Brasil)" },
];

const MESSAGES: Record<Language, Partial<Record<MessageKey, string>>> = { en, "pt-BR": ptBR };

/** Translations of words Rust sends in English, which are not keys of en.ts. */
const FROM_RUST: Record<Language, Record<string, string>> = { en: {}, "pt-BR": { ...catalogPtBR, ...errorsPtBR } };

let current = $state<Language>("en");
/** What Settings has: "system" (follow the computer) or a language. */
let choice = $state<string>("system");

export function language(): Language {
  return current;
}

export function languageChoice(): string {
  return choice;
}

/** Shows the desk in `lang` (as Rust worked it out from `chosen`). */
export function setLanguage(lang: string, chosen: string = lang) {
  current = lang === "pt-BR" ? "pt-BR" : "en";
  choice = chosen;
  document.documentElement.lang = current;
}

/** Values for a message's `{name}`s; a missing value (null) shows as nothing. */
type Params = Record<string, string | number | null | undefined>;

function fill(template: string, params: Params): string {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name] ?? "") : whole));
}

/** The words for `key` in the desk's language, with `{name}` filled from `params`.
 *  A key with `_one`/`_other` forms is chosen by the number in `params.count`. */
export function t(key: MessageKey | string, params: Params = {}): string {
  const forms = MESSAGES[current];
  let chosen = key;
  if (typeof params.count === "number") {
    // None of something reads as many in both languages ("0 pedidos", "0 requests"),
    // though CLDR puts Portuguese 0 with 1.
    const form = params.count === 0 ? "other" : pluralRules(current).select(params.count);
    const plural = `${key}_${form}`;
    if (plural in en) chosen = plural;
    else if (`${key}_other` in en) chosen = `${key}_other`;
  }
  const template = forms[chosen as MessageKey] ?? en[chosen as MessageKey] ?? chosen;
  return fill(template, params);
}

/** The words under `key`, or `fallback` (e.g. an id Rust sent that has no words
 *  here yet) when there are none. */
export function tOr(key: string, fallback: string, params: Params = {}): string {
  return key in en ? t(key, params) : fallback;
}

const rules = new Map<Language, Intl.PluralRules>();
function pluralRules(lang: Language): Intl.PluralRules {
  let r = rules.get(lang);
  if (!r) rules.set(lang, (r = new Intl.PluralRules(lang)));
  return r;
}

/** Words that come from Rust in English (a catalog label, an error message): the
 *  desk language's words under `key` when it has them, else Rust's own `english`. */
export function translated(key: string, english: string, params: Params = {}): string {
  const template = FROM_RUST[current][key];
  if (template === undefined) return english;
  return fill(template, params);
}

/** A date and time as the operator reads them in the desk's language. */
export function dateTime(at: string | Date): string {
  return new Date(at).toLocaleString(current);
}

/** A number in the desk's language (thousands separators). */
export function number(n: number): string {
  return n.toLocaleString(current);
}
