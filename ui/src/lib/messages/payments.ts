// The words of the payments screens, in English and Português (Brasil). en.ts and
// pt-BR.ts gather them; keys start with the screen's name.
export const en = {
};

export const ptBR: Record<keyof typeof en, string> = {
};
