/**
 * Where the API is. The deployment writes `config.json` next to index.html
 * (`{"apiBaseUrl": "https://…"}`); an empty value, or no file, means the dashboard's own origin (the
 * local service serves both).
 */
export interface DashboardConfig {
  apiBaseUrl: string;
}

export async function loadConfig(): Promise<DashboardConfig> {
  try {
    const response = await fetch('config.json', { cache: 'no-cache' });
    if (!response.ok) return { apiBaseUrl: '' };
    const parsed = (await response.json()) as unknown;
    const base =
      typeof parsed === 'object' && parsed !== null && 'apiBaseUrl' in parsed ? parsed.apiBaseUrl : '';
    return { apiBaseUrl: typeof base === 'string' ? base.replace(/\/+$/, '') : '' };
  } catch {
    return { apiBaseUrl: '' };
  }
}
