import { describe, expect, it } from "vitest";
import { en } from "./messages/en";
import { ptBR } from "./messages/pt-BR";
import { setLanguage, t } from "./i18n.svelte";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the desk's words", () => {
  it("has every English key in Portuguese, with the same placeholders", () => {
    const missing = Object.keys(en).filter((k) => !(k in ptBR));
    expect(missing).toEqual([]);
    for (const [key, text] of Object.entries(ptBR)) {
      expect(key in en, `${key} is not an English key`).toBe(true);
      expect(placeholders(text), key).toEqual(placeholders(en[key as keyof typeof en]));
    }
  });

  it("fills placeholders, picks the plural form and follows the chosen language", () => {
    setLanguage("en");
    expect(t("status.attention", { count: 1 })).toBe("1 needs attention");
    expect(t("status.attention", { count: 3 })).toBe("3 need attention");
    setLanguage("pt-BR");
    expect(t("status.attention", { count: 3 })).toBe("3 precisam de atenção");
    expect(t("updates.available", { version: "0.2.0", current: "0.1.0" })).toBe("O Signet 0.2.0 está disponível (este balcão tem a 0.1.0).");
    expect(document.documentElement.lang).toBe("pt-BR");
    // Anything else falls back to English.
    setLanguage("fr");
    expect(t("today.title")).toBe("Today");
  });
});
