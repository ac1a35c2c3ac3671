import { describe, expect, it } from "vitest";
import type { FieldView } from "../lib/bindings/FieldView";
import type { ProviderView } from "../lib/bindings/ProviderView";
import { isConfigured, isSecret } from "./fields";

const field = (over: Partial<FieldView>): FieldView => ({
  key: "k",
  label: "K",
  kind: "text",
  required: true,
  help: "",
  choices: [],
  value: null,
  isSet: null,
  ...over,
});

const kpay = (baseUrl: string | null, username: string | null, passwordSet: boolean | null): ProviderView => ({
  provider: "mykaarma",
  label: "myKaarma (KPay)",
  baseUrl,
  baseUrlHint: "https://",
  fields: [
    field({ key: "username", value: username }),
    field({ key: "password", kind: "secret", isSet: passwordSet }),
    field({ key: "note", required: false }),
  ],
});

describe("isConfigured", () => {
  it("needs the base URL, every required value and every required secret", () => {
    expect(isConfigured(kpay("https://k.example", "desk", true))).toBe(true);
    expect(isConfigured(kpay(null, "desk", true))).toBe(false);
    expect(isConfigured(kpay("https://k.example", null, true))).toBe(false);
    expect(isConfigured(kpay("https://k.example", "desk", false))).toBe(false);
  });

  it("does not claim a secret is there when the keyring cannot be asked", () => {
    expect(isConfigured(kpay("https://k.example", "desk", null))).toBe(false);
  });
});

describe("isSecret", () => {
  it("covers one-line secrets and private keys, not public keys", () => {
    expect(isSecret("secret")).toBe(true);
    expect(isSecret("private_key_pem")).toBe(true);
    expect(isSecret("public_key_pem")).toBe(false);
    expect(isSecret("text")).toBe(false);
  });
});
