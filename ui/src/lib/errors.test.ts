import { describe, expect, it } from "vitest";
import { CommandError, asErrorBody, attempt, fieldError } from "./errors";

describe("asErrorBody", () => {
  it("keeps the Rust side's {code, message, field}", () => {
    const body = { code: "invalid_input", message: "Use https", field: "dollarpe.base_url" };
    expect(asErrorBody(body)).toEqual(body);
    expect(asErrorBody(new CommandError(body))).toEqual(body);
  });

  it("turns anything else into an internal error with a readable message", () => {
    expect(asErrorBody("ipc closed")).toEqual({ code: "internal", message: "ipc closed" });
    expect(asErrorBody(new TypeError("boom"))).toEqual({ code: "internal", message: "boom" });
    expect(asErrorBody(undefined).message).toMatch(/log file/);
    expect(asErrorBody({ code: 3 }).code).toBe("internal");
  });
});

describe("fieldError", () => {
  it("shows an error only under the field it names", () => {
    const body = { code: "invalid_input", message: "Use https", field: "signzy.base_url" };
    expect(fieldError(body, "signzy.base_url")).toBe("Use https");
    expect(fieldError(body, "qitech.base_url")).toBeNull();
    expect(fieldError(null, "signzy.base_url")).toBeNull();
  });
});

describe("attempt", () => {
  it("gives null when the work succeeds and the error body when it fails", async () => {
    expect(await attempt(async () => 1)).toBeNull();
    const failed = await attempt(async () => {
      throw { code: "invalid_input", message: "Fill in the customer.", field: "customer" };
    });
    expect(failed).toEqual({ code: "invalid_input", message: "Fill in the customer.", field: "customer" });
  });
});
