import type { FieldKind } from "../lib/bindings/FieldKind";
import type { ProviderView } from "../lib/bindings/ProviderView";

/** Secrets live in the OS keyring; the rest of a provider's fields in the database. */
export function isSecret(kind: FieldKind): boolean {
  return kind === "secret" || kind === "private_key_pem";
}

/** A provider is ready to use when it has a base URL and every required field. */
export function isConfigured(view: ProviderView): boolean {
  return (
    !!view.baseUrl &&
    view.fields.filter((f) => f.required).every((f) => (isSecret(f.kind) ? f.isSet === true : !!f.value))
  );
}
