// Portuguese for the errors Rust sends, by their message id (`ErrorBody.id`), with
// the same `{name}` parameters (`ErrorBody.params`). Rust's English is the fallback.
export const ptBR: Record<string, string> = {
};
