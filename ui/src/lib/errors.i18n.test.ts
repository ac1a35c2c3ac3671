import { describe, expect, it } from "vitest";
import { errorWords } from "./bindings/errorWords";
import { ptBR } from "./messages/errors";
import { localized } from "./errors";
import { setLanguage } from "./i18n.svelte";

const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

describe("errors from Rust in the desk's language", () => {
  it("has Portuguese for every error Rust can translate, using only its placeholders", () => {
    const missing = Object.keys(errorWords).filter((id) => !(`error.${id}` in ptBR));
    expect(missing).toEqual([]);
    for (const [key, text] of Object.entries(ptBR)) {
      const id = key.replace(/^error\./, "");
      expect(id in errorWords, `${key} is not an error Rust sends`).toBe(true);
      const english = placeholders(errorWords[id]);
      expect(placeholders(text).filter((name) => !english.includes(name)), key).toEqual([]);
    }
  });

  it("shows Rust's words in Portuguese with its values, and Rust's English otherwise", () => {
    const body = { code: "invalid_input", message: "Use exactly 3 digits and nothing else, for example 055.", field: "phone_country", id: "phone.exact", params: { count: "3", example: "055" } };
    setLanguage("pt-BR");
    expect(localized(body).message).toBe("Use exatamente 3 dígitos e nada mais, por exemplo 055.");
    expect(localized({ code: "provider", message: "DollarPe refused" }).message).toBe("DollarPe refused");
    setLanguage("en");
    expect(localized(body).message).toBe(body.message);
  });
});
