import type { ErrorBody } from "./bindings/ErrorBody";
import { translated } from "./i18n.svelte";

/** An IPC command failed; `body` is the `{code, message, field?}` the Rust side sent. */
export class CommandError extends Error {
  readonly body: ErrorBody;
  constructor(body: ErrorBody) {
    super(body.message);
    this.name = "CommandError";
    this.body = body;
  }
  get code(): string {
    return this.body.code;
  }
  get field(): string | undefined {
    return this.body.field;
  }
}

/** The error in the desk's language: Rust's words by their id when translated,
 *  else Rust's English message. */
export function localized(body: ErrorBody): ErrorBody {
  return body.id ? { ...body, message: translated(`error.${body.id}`, body.message, body.params ?? {}) } : body;
}

/** Whatever a rejected invoke throws, turned into our error shape. */
export function asErrorBody(thrown: unknown): ErrorBody {
  if (thrown instanceof CommandError) return thrown.body;
  if (isErrorBody(thrown)) return thrown;
  if (thrown instanceof Error) return { code: "internal", message: thrown.message };
  if (typeof thrown === "string" && thrown.length > 0) return { code: "internal", message: thrown };
  return { code: "internal", message: "Something went wrong and no reason was given. See the log file for details." };
}

function isErrorBody(v: unknown): v is ErrorBody {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as ErrorBody).code === "string" &&
    typeof (v as ErrorBody).message === "string"
  );
}

/** The error message for one form field, if the error names it. */
export function fieldError(error: ErrorBody | null, field: string): string | null {
  return error && error.field === field ? error.message : null;
}

/** Runs `what`; the error it failed with (in our shape), or null if it did not. */
export async function attempt(what: () => Promise<unknown>): Promise<ErrorBody | null> {
  try {
    await what();
    return null;
  } catch (e) {
    return asErrorBody(e);
  }
}

/** Whether the team guard has a choice to offer: another desk's send, or no team store. */
export function isTeamGuard(error: ErrorBody): boolean {
  return error.code === "team_unreachable" || (error.code === "duplicate" && !!(error.detail as { team?: unknown } | undefined)?.team);
}
