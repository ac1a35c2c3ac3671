import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { FieldView } from "../lib/bindings/FieldView";
import SecretField from "./SecretField.svelte";

const field = (isSet: boolean | null): FieldView => ({
  key: "api_secret",
  label: "API secret",
  kind: "secret",
  secret: true,
  required: true,
  help: "Signs each request.",
  choices: [],
  value: null,
  isSet,
});

const base = { profileId: "p1", provider: "dollarpe" as const, onchanged: async () => {} };
const unlocked = { state: "available" as const, message: "ok", id: "keyring.available", params: {} };

afterEach(cleanup);

describe("SecretField", () => {
  it("shows a set secret masked, with replace and delete, and no value", () => {
    const { container } = render(SecretField, { ...base, field: field(true), keyring: unlocked });
    expect(container.querySelector("[data-state='set']")).not.toBeNull();
    expect(screen.getByText("•••••••• set")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Replace" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Delete" })).toBeTruthy();
    expect(container.querySelector("input")).toBeNull();
  });

  it("offers Set when there is none", () => {
    render(SecretField, { ...base, field: field(false), keyring: unlocked });
    expect(screen.getByText("not set")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Set" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
  });

  it("offers nothing to type into while the keyring is locked", () => {
    const { container } = render(SecretField, {
      ...base,
      field: field(null),
      keyring: { state: "locked", message: "The OS keyring is locked.", id: "keyring.locked", params: {} },
    });
    expect(container.querySelector("[data-state='unknown']")).not.toBeNull();
    expect(screen.getByText(/the keyring is locked/)).toBeTruthy();
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });
});
