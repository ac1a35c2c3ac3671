// Portuguese for the provider catalog's field labels and help, which Rust sends in
// English (catalog.rs). Keys: `catalog.<provider>.<field>.label` / `.help`.
export const ptBR: Record<string, string> = {
};
