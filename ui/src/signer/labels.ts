// The signer's screen in the languages it offers. Portuguese is the default for
// QI Tech contracts; the consent statement itself comes from the desk (Rust), so
// the words recorded as evidence are the words shown.
export type Language = "pt-BR" | "en";

export const LABELS: Record<Language, Record<string, string>> = {
  "pt-BR": {
    title: "Leia o contrato",
    intro: "Role o contrato até o fim. O botão de aceite fica disponível depois da leitura completa e da confirmação abaixo.",
    pages: "páginas",
    fingerprint: "Impressão digital (SHA-256) do texto",
    scrollMore: "Continue rolando até o fim do contrato para poder aceitar.",
    consent: "Confirmação",
    accept: "Aceito e assino",
    sending: "Enviando a assinatura…",
    done: "Assinatura recebida. Obrigado!",
    failed: "A assinatura não foi concluída",
    closing: "O atendente vai orientar os próximos passos.",
    session: "Sessão",
    language: "Idioma",
    view: "Como ler",
    asTypeset: "Páginas do contrato",
    asText: "Texto enviado e assinado",
    page: "Página",
    drawing: "Desenhando as próximas páginas…",
    pagesUnavailable: "As páginas deste arquivo não puderam ser desenhadas; leia o texto, que é o que será assinado.",
  },
  en: {
    title: "Read the contract",
    intro: "Scroll the contract to its end. The accept button becomes available once you have read it all and confirmed below.",
    pages: "pages",
    fingerprint: "Text fingerprint (SHA-256)",
    scrollMore: "Keep scrolling to the end of the contract to be able to accept.",
    consent: "Confirmation",
    accept: "I accept and sign",
    sending: "Sending the signature…",
    done: "Signature received. Thank you!",
    failed: "The signature was not completed",
    closing: "The operator will guide you through the next steps.",
    session: "Session",
    language: "Language",
    view: "How to read",
    asTypeset: "The contract's pages",
    asText: "The text sent and signed",
    page: "Page",
    drawing: "Drawing the next pages…",
    pagesUnavailable: "This file's pages could not be drawn; read the text, which is what will be signed.",
  },
};
