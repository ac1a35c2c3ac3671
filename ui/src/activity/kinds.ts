// Kinds of operation as an operator reads them: Rust records a kind such as
// "payment_request.send"; the words for it are under "kind.<kind>".
import { tOr } from "../lib/i18n.svelte";

/** The readable words for an operation's kind, or the kind itself when it has none. */
export function operationKind(kind: string): string {
  return tOr(`kind.${kind}`, kind);
}
