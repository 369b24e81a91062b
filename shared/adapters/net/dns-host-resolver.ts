import { lookup } from 'node:dns/promises';
import type { HostResolver } from '../../ports/host-resolver.ts';

export const dnsHostResolver: HostResolver = async (hostname) => {
  try {
    const addresses = await lookup(hostname, { all: true, verbatim: true });
    return addresses.map((a) => a.address);
  } catch {
    return [];
  }
};
