// Typed wrappers over the desk's IPC commands. Payload types are generated from
// the Rust types (ts-rs) into ./bindings; never edit those by hand.
import { invoke } from "@tauri-apps/api/core";
import type { AppStatus } from "./bindings/AppStatus";
import type { Today } from "./bindings/Today";
import type { KycUpload } from "./bindings/KycUpload";
import type { UpdateOffer } from "./bindings/UpdateOffer";
import type { ProfileDetail } from "./bindings/ProfileDetail";
import type { ProfileSummary } from "./bindings/ProfileSummary";
import type { ProviderId } from "./bindings/ProviderId";
import type { ProviderSettingsInput } from "./bindings/ProviderSettingsInput";
import type { ProviderView } from "./bindings/ProviderView";
import type { Department } from "./bindings/Department";
import type { OperationPage } from "./bindings/OperationPage";
import type { OperationQuery } from "./bindings/OperationQuery";
import type { OperationRecord } from "./bindings/OperationRecord";
import type { PaymentRequest } from "./bindings/PaymentRequest";
import type { PaymentSentView } from "./bindings/PaymentSentView";
import type { BulkPreview } from "./bindings/BulkPreview";
import type { BulkStatus } from "./bindings/BulkStatus";
import type { UnfinishedRun } from "./bindings/UnfinishedRun";
import type { Resolution } from "./bindings/Resolution";
import type { TrackedSignature } from "./bindings/TrackedSignature";
import type { CaptureSent } from "./bindings/CaptureSent";
import type { Contract } from "./bindings/Contract";
import type { SignerInput } from "./bindings/SignerInput";
import type { Geolocation } from "./bindings/Geolocation";
import type { OptinStatus } from "./bindings/OptinStatus";
import type { EvidenceEntry } from "./bindings/EvidenceEntry";
import type { DossierReport } from "./bindings/DossierReport";
import type { LedgerReport } from "./bindings/LedgerReport";
import type { ErrorBody } from "./bindings/ErrorBody";
import type { PickedPdf } from "./bindings/PickedPdf";
import type { SignerRow } from "./bindings/SignerRow";
import type { InitiatedContract } from "./bindings/InitiatedContract";
import type { InitiatedView } from "./bindings/InitiatedView";
import type { ContractStatus } from "./bindings/ContractStatus";
import type { KycConfiguration } from "./bindings/KycConfiguration";
import type { CheckedDocument } from "./bindings/CheckedDocument";
import type { KycForm } from "./bindings/KycForm";
import type { KycSubmitted } from "./bindings/KycSubmitted";
import type { SignedDocument } from "./bindings/SignedDocument";
import type { ConnectionCheck } from "./bindings/ConnectionCheck";
import type { InviteeRow } from "./bindings/InviteeRow";
import type { LeegalityCreated } from "./bindings/LeegalityCreated";
import type { LeegalityInitiated } from "./bindings/LeegalityInitiated";
import type { LeegalityStatus } from "./bindings/LeegalityStatus";
import type { LeegalityFileKind } from "./bindings/LeegalityFileKind";
import type { SendChoice } from "./bindings/SendChoice";
import type { TeamQuery } from "./bindings/TeamQuery";
import type { TeamPage } from "./bindings/TeamPage";
import type { TeamDirectory } from "./bindings/TeamDirectory";
import type { ArchiveReport } from "./bindings/ArchiveReport";
import { CommandError, asErrorBody, localized } from "./errors";

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (thrown) {
    throw new CommandError(localized(asErrorBody(thrown)));
  }
}

export const api = {
  appStatus: () => call<AppStatus>("app_status"),
  windowReady: () => call<null>("window_ready"),
  listProfiles: () => call<ProfileSummary[]>("list_profiles"),
  getProfile: (id: string) => call<ProfileDetail>("get_profile", { id }),
  createProfile: (name: string) => call<ProfileSummary>("create_profile", { name }),
  renameProfile: (id: string, name: string) => call<ProfileSummary>("rename_profile", { id, name }),
  deleteProfile: (id: string) => call<null>("delete_profile", { id }),
  setActiveProfile: (id: string) => call<ProfileSummary>("set_active_profile", { id }),
  saveProviderSettings: (profileId: string, provider: ProviderId, input: ProviderSettingsInput) =>
    call<ProviderView>("save_provider_settings", { profileId, provider, input }),
  /** Sends a secret to the keyring. Nothing can read it back into the webview. */
  setSecret: (profileId: string, provider: ProviderId, field: string, value: string) =>
    call<null>("set_secret", { profileId, provider, field, value }),
  /** Opens a native file dialog in Rust; the file never passes through the webview. */
  setSecretFromFile: (profileId: string, provider: ProviderId, field: string) =>
    call<boolean>("set_secret_from_file", { profileId, provider, field }),
  deleteSecret: (profileId: string, provider: ProviderId, field: string) =>
    call<null>("delete_secret", { profileId, provider, field }),
  listDepartments: () => call<Department[]>("list_departments"),
  /** Refused with code "duplicate" (earlier operation in detail) unless `again`. */
  paymentCheckForm: (department: string, request: PaymentRequest) => call<ErrorBody[]>("payment_check_form", { department, request }).then((found) => found.map(localized)),
  sendPaymentRequest: (department: string, request: PaymentRequest, choice: SendChoice) =>
    call<PaymentSentView>("send_payment_request", { department, request, choice }),
  paymentHistory: (invoice: string) => call<OperationRecord[]>("payment_history", { invoice }),
  openLink: (url: string) => call<null>("open_link", { url }),
  copyText: (text: string) => call<null>("copy_text", { text }),
  listOperations: (query: OperationQuery) => call<OperationPage>("list_operations", { query }),
  resolveOperation: (key: string, resolution: Resolution, note: string) =>
    call<OperationRecord>("resolve_operation", { key, resolution, note }),
  checkOperation: (key: string) => call<OperationRecord>("check_operation", { key }),
  resendPaymentRequest: (key: string) => call<PaymentSentView>("resend_payment_request", { key }),
  retryOperationNow: (key: string) => call<null>("retry_operation_now", { key }),
  cancelWaitingOperation: (key: string) => call<OperationRecord>("cancel_waiting_operation", { key }),
  listTrackedSignatures: () => call<TrackedSignature[]>("list_tracked_signatures"),
  /** Follows a signature request and asks myKaarma for it at once. */
  signatureCheckForm: (spiRequestUuid: string) => call<ErrorBody[]>("signature_check_form", { spiRequestUuid }).then((found) => found.map(localized)),
  trackSignature: (spiRequestUuid: string, label: string) => call<TrackedSignature>("track_signature", { spiRequestUuid, label }),
  untrackSignature: (spiRequestUuid: string) => call<null>("untrack_signature", { spiRequestUuid }),
  refreshSignature: (spiRequestUuid: string) => call<TrackedSignature>("refresh_signature", { spiRequestUuid }),
  captureSignature: (spiRequestUuid: string, url: string, choice?: SendChoice) => call<CaptureSent>("capture_signature", { spiRequestUuid, url, choice }),
  /** Opens a native dialog in Rust and extracts the text; null if cancelled. */
  optinChooseContract: () => call<Contract | null>("optin_choose_contract"),
  optinCheckForm: (debt: string, signer: SignerInput, location: [string, string] | null) => call<ErrorBody[]>("optin_check_form", { debt, signer, location }).then((found) => found.map(localized)),
  optinOpenSigner: (debt: string, signer: SignerInput, geolocation: Geolocation | null) =>
    call<string>("optin_open_signer", { debt, signer, geolocation }),
  optinStatus: () => call<OptinStatus | null>("optin_status"),
  optinCancel: () => call<null>("optin_cancel"),
  evidenceFind: (query: string) => call<EvidenceEntry[]>("evidence_find", { query }),
  /** Opens a save dialog in Rust; the path written, or null if cancelled. */
  evidenceExport: (sessionId: string) => call<string | null>("evidence_export", { sessionId }),
  evidenceCheck: () => call<DossierReport | null>("evidence_check"),
  evidenceVerify: () => call<LedgerReport>("evidence_verify"),
  /** Opens a native dialog in Rust; the PDF's bytes stay there. Null if cancelled. */
  signzyChoosePdf: () => call<PickedPdf | null>("signzy_choose_pdf"),
  signzyInitiate: (name: string, executer: string, signers: SignerRow[], ttlDays: number, choice?: SendChoice) =>
    call<InitiatedContract>("signzy_initiate", { name, executer, signers, ttlDays, choice }),
  signzyContracts: () => call<InitiatedView[]>("signzy_contracts"),
  signzyStatus: (contractId: string) => call<ContractStatus>("signzy_status", { contractId }),
  /** Downloads and keeps Signzy's signed copy (the final one, or one signer's), hash checked. */
  signzySignedCopy: (contractId: string, signerId: string | null) => call<SignedDocument>("signzy_signed_copy", { contractId, signerId }),
  /** Opens a native dialog in Rust; the PDF's bytes stay there. Null if cancelled. */
  leegalityChoosePdf: () => call<PickedPdf | null>("leegality_choose_pdf"),
  leegalityInitiate: (name: string, invitees: InviteeRow[], choice?: SendChoice) => call<LeegalityCreated>("leegality_initiate", { name, invitees, choice }),
  teamOperations: (query: TeamQuery) => call<TeamPage>("team_operations", { query }),
  teamDirectory: () => call<TeamDirectory>("team_directory"),
  /** Checks the evidence archive against this desk's ledger. */
  verifyArchive: () => call<ArchiveReport>("verify_archive"),
  leegalityDocuments: () => call<LeegalityInitiated[]>("leegality_documents"),
  leegalityStatus: (documentId: string) => call<LeegalityStatus>("leegality_status", { documentId }),
  leegalityDownload: (documentId: string, kind: LeegalityFileKind) => call<SignedDocument>("leegality_download", { documentId, kind }),
  /** Opens a kept signed document in the system's PDF viewer. */
  openSignedDocument: (fileName: string) => call<null>("open_signed_document", { fileName }),
  testConnection: (profileId: string, provider: ProviderId) => call<ConnectionCheck>("test_connection", { profileId, provider }),
  /** Desktop notifications while the window is in the background (on unless turned off). */
  notificationsSetting: () => call<boolean>("notifications_setting"),
  setNotifications: (on: boolean) => call<null>("set_notifications", { on }),
  setLanguage: (language: string) => call<string>("set_language", { language }),
  updateAddress: () => call<string | null>("update_address"),
  setUpdateAddress: (address: string) => call<string | null>("set_update_address", { address }),
  /** Asks the update address; null when this desk is the newest offered. */
  updateCheck: () => call<UpdateOffer | null>("update_check"),
  /** Downloads, checks the signature and installs; says the version installed. */
  updateInstall: () => call<string>("update_install"),
  updateRestart: () => call<null>("update_restart"),
  kycConfiguration: (customerId: string) => call<KycConfiguration>("kyc_configuration", { customerId }),
  /** Opens a native dialog in Rust and checks the file there; null if cancelled. */
  kycChooseFile: (side: "front" | "back") => call<CheckedDocument | null>("kyc_choose_file", { side }),
  kycClearFile: (side: "front" | "back") => call<null>("kyc_clear_file", { side }),
  kycSubmit: (form: KycForm) => call<KycSubmitted>("kyc_submit", { form }),
  /** The submission under way, or the last one made since the desk started. */
  kycProgress: () => call<KycUpload | null>("kyc_progress"),
  /** The files picked (or dropped) so far, by side. */
  kycPicked: () => call<Partial<Record<"front" | "back", CheckedDocument>>>("kyc_picked"),
  /** Opens a native dialog in Rust and checks every row; null if cancelled. */
  bulkChooseFile: () => call<BulkPreview | null>("bulk_choose_file"),
  bulkStart: (token: string, concurrency: number) => call<string>("bulk_start", { token, concurrency }),
  bulkResume: (runId: string, concurrency: number) => call<null>("bulk_resume", { runId, concurrency }),
  bulkStatus: (runId: string) => call<BulkStatus>("bulk_status", { runId }),
  bulkPause: (runId: string, paused: boolean) => call<null>("bulk_pause", { runId, paused }),
  bulkCancel: (runId: string) => call<null>("bulk_cancel", { runId }),
  bulkUnfinished: () => call<UnfinishedRun[]>("bulk_unfinished"),
  bulkRunning: () => call<string[]>("bulk_running"),
  /** What needs the operator now; today starts at the midnight of the clock given. */
  today: (utcOffsetMinutes: number) => call<Today>("today", { utcOffsetMinutes }),
  bulkExport: (runId: string) => call<string | null>("bulk_export", { runId }),
};
