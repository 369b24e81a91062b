/**
 * Where the API is. The deployment writes `config.json` next to index.html
 * (`{"apiBaseUrl": "https://…"}`); an empty value, or no file, means the dashboard's own origin (the
 * local service serves both).
 */
export interface DashboardConfig {
  apiBaseUrl: string;
  /** The live event streams' base (AWS: the events function's URL); empty: `apiBaseUrl`. */
  eventsBaseUrl: string;
}

export async function loadConfig(): Promise<DashboardConfig> {
  try {
    const response = await fetch('config.json', { cache: 'no-cache' });
    if (!response.ok) return { apiBaseUrl: '', eventsBaseUrl: '' };
    const parsed = (await response.json()) as unknown;
    const read = (name: string) => {
      const value =
        typeof parsed === 'object' && parsed !== null && name in parsed
          ? (parsed as Record<string, unknown>)[name]
          : '';
      return typeof value === 'string' ? value.replace(/\/+$/, '') : '';
    };
    const apiBaseUrl = read('apiBaseUrl');
    return { apiBaseUrl, eventsBaseUrl: read('eventsBaseUrl') || apiBaseUrl };
  } catch {
    return { apiBaseUrl: '', eventsBaseUrl: '' };
  }
}
