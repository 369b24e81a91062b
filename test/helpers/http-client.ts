/** A small fetch wrapper for integration tests: JSON by default, raw bodies when given. */
export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  rawBody?: string | Buffer | FormData;
  headers?: Record<string, string>;
  token?: string | null;
}

export function client(baseUrl: string, apiKey: string) {
  async function request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? apiKey : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: RequestInit['body'];
    if (options.rawBody !== undefined) body = options.rawBody as RequestInit['body'];
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a static page, an empty 204): the test reads `text` instead.
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
  return {
    request,
    get: <T = any>(path: string, o?: RequestOptions) => request<T>('GET', path, o),
    post: <T = any>(path: string, body?: unknown, o?: RequestOptions) =>
      request<T>('POST', path, { ...o, body }),
    patch: <T = any>(path: string, body?: unknown, o?: RequestOptions) =>
      request<T>('PATCH', path, { ...o, body }),
    del: <T = any>(path: string, o?: RequestOptions) => request<T>('DELETE', path, o),
  };
}

export type TestClient = ReturnType<typeof client>;
