/** A caller number the service dials from, with the telephony provider behind it. */

export const PROVIDERS = ['simulated', 'twilio', 'elevenlabs', 'vapi', 'retell'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface PhoneNumber {
  id: string;
  workspaceId: string;
  phoneNumber: string;
  label: string | null;
  provider: Provider;
  /** Masked view of the write-only credentials (e.g. `{auth_token: "••••3f9a"}`); the secrets live in the secret store. */
  credentialsMasked: Record<string, string> | null;
  outbound: boolean;
  callsPerSecond: number;
  createdAt: string;
}

/** Shows the last four characters of a secret only. */
export function maskSecret(value: string): string {
  return `••••${value.slice(-4)}`;
}
