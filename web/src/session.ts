/**
 * The API key lives in this browser's localStorage, pasted once; "Sign out" forgets it. It is sent
 * only to the configured API, never anywhere else.
 */
const STORAGE_KEY = 'batch-calls.api-key';

export function storedApiKey(): string | null {
  try {
    const key = window.localStorage.getItem(STORAGE_KEY);
    return key === null || key === '' ? null : key;
  } catch {
    return null; // storage disabled: the user signs in again on each visit
  }
}

export function storeApiKey(key: string): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Kept for this page's life only.
  }
}

export function forgetApiKey(): void {
  try {
    window.localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}
