/** Resolves a host name to its addresses (every A and AAAA record); [] when it does not resolve. */
export type HostResolver = (hostname: string) => Promise<string[]>;
