/** The desk's areas, in sidebar order. `ready` is false for areas still being built. */
export type AreaId = "today" | "payments" | "signatures" | "optin" | "kyc" | "activity" | "settings";

import { t } from "./i18n.svelte";

export interface Area {
  id: AreaId;
  ready: boolean;
}

/** The area's name in the sidebar, in the desk's language. */
export const areaLabel = (id: AreaId) => t(`area.${id}`);
/** What the area is for, in a sentence. */
export const areaSummary = (id: AreaId) => t(`area.${id}.summary`);

export const AREAS: Area[] = [
  { id: "today", ready: true },
  { id: "payments", ready: true },
  { id: "signatures", ready: true },
  { id: "optin", ready: true },
  { id: "kyc", ready: true },
  { id: "activity", ready: true },
  { id: "settings", ready: true },
];
