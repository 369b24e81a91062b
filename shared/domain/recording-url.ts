/**
 * A call recording's URL comes from a voice provider (a callback, or the provider's API when the
 * sweeper reconciles a call) and ends up as a link in the dashboard and in webhook payloads. Only a
 * plain `https:` URL is kept: `javascript:` or `data:` would run or render in the dashboard's origin
 * (where the API key lives), and `http:` would hand the recording, and the viewer's click, to anyone
 * on the path. Credentials in a URL (`https://user@host`) disguise where a link goes, so they are
 * refused too. Anything else becomes "no recording" (null) rather than failing the call's end.
 */

/** Longer than any provider's signed recording URL we know of, short enough to bound what we store. */
export const MAX_RECORDING_URL_LENGTH = 4_096;

/** `value` as a normalised https URL, or null when it is anything else. */
export function httpsRecordingUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_RECORDING_URL_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.hostname === '') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url.href;
}
