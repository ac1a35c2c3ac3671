/** The desk's areas, in sidebar order. `ready` is false for areas still being built. */
export type AreaId = "today" | "payments" | "signatures" | "optin" | "kyc" | "activity" | "settings";

export interface Area {
  id: AreaId;
  label: string;
  summary: string;
  ready: boolean;
}

export const AREAS: Area[] = [
  { id: "today", label: "Today", summary: "What needs you now: operations to check, sends waiting, signatures and KYC not done, unfinished runs, today's opt-ins.", ready: true },
  { id: "payments", label: "Payment requests", summary: "Send myKaarma (KPay) payment requests one by one or in bulk, and follow their links and channels.", ready: true },
  { id: "signatures", label: "Signatures", summary: "Follow myKaarma e-signature requests and capture signed documents.", ready: true },
  { id: "optin", label: "Opt-in signing", summary: "Take a customer's opt-in contract signature at the desk, with evidence kept for years.", ready: true },
  { id: "kyc", label: "KYC", summary: "Check and submit a customer's identity documents to DollarPe.", ready: true },
  { id: "activity", label: "Activity", summary: "Every operation of every area, newest first, with what needs your attention.", ready: true },
  { id: "settings", label: "Settings", summary: "Profiles, provider addresses and credentials.", ready: true },
];
