import { describe, expect, it } from "vitest";
import { catalogWords } from "../bindings/catalogWords";
import { ptBR } from "./catalog";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// catalogWords is written by signet-core's catalog test: every provider's name and
// every setting's label and help, in Rust's English.
describe("the catalog's Portuguese", () => {
  it("has every provider name, label and help Rust shows, and nothing else", () => {
    expect(Object.keys(catalogWords).filter((k) => !(k in ptBR))).toEqual([]);
    for (const key of Object.keys(ptBR)) expect(key in catalogWords, `${key} is not in Rust's catalog`).toBe(true);
  });

  it("is written out and keeps Rust's placeholders (there are none: translated() gets no values)", () => {
    for (const [key, text] of Object.entries(ptBR)) {
      expect(text.trim(), key).not.toBe("");
      expect(placeholders(text), key).toEqual(placeholders(catalogWords[key]));
    }
  });
});
