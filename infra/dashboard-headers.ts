/**
 * The dashboard's security headers, defined once for both of its hosts: the local gateway's static
 * files (infra/local/gateway/static-files.ts) and CloudFront's response headers policy
 * (infra/constructs/dashboard-site.ts).
 *
 * Why strict: the dashboard keeps the operator's API key in localStorage, so any script that runs in
 * its origin can read it. The policy lets only the dashboard's own files run (no inline scripts or
 * handlers, no eval, no inline styles, no plugins), lets the page talk only to its own origin, the API
 * and the S3 upload endpoint, and refuses to be framed (clickjacking). Forms are sent by script, so a
 * native form submission (the sign-in form before the script has loaded) may go nowhere: it would put
 * the key in a URL.
 */

/** Directive → sources, in the order they are sent. */
function directives(connectSources: readonly string[]): Array<[string, readonly string[]]> {
  return [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    // index.html's empty `data:,` icon keeps browsers from asking for /favicon.ico.
    ['img-src', ["'self'", 'data:']],
    ['connect-src', ["'self'", ...connectSources]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
}

/**
 * The Content-Security-Policy value. `connectSources`: the origins the dashboard calls besides its
 * own — the API when it is hosted apart (AWS), and where the pre-signed CSV upload goes (S3, or the
 * local S3 emulator).
 */
export function dashboardContentSecurityPolicy(connectSources: readonly string[] = []): string {
  return directives(connectSources)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Frame protection for browsers without `frame-ancestors`. */
export const DASHBOARD_FRAME_OPTIONS = 'DENY';
/** The dashboard's URLs (`#/batches/…`) tell other sites nothing. index.html says the same in a meta tag. */
export const DASHBOARD_REFERRER_POLICY = 'no-referrer';

/** Every header, as the local gateway sends it (CloudFront's policy sets the same values). */
export function dashboardSecurityHeaders(connectSources: readonly string[] = []): Record<string, string> {
  return {
    'content-security-policy': dashboardContentSecurityPolicy(connectSources),
    'x-content-type-options': 'nosniff',
    'x-frame-options': DASHBOARD_FRAME_OPTIONS,
    'referrer-policy': DASHBOARD_REFERRER_POLICY,
  };
}
