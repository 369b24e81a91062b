import { describe, expect, it } from 'vitest';
import { classifyAddress, isIpAddress } from '#shared/domain/network-address.ts';
import { checkWebhookUrl } from '#shared/domain/webhook-url.ts';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['172.32.0.1', 'public'],
    ['192.0.1.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
  ])('IPv4 %s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });

  it.each([
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4007:80e::200e', 'public'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:0a00:0001::1', 'private'],
    ['::10.0.0.1', 'reserved'],
    ['[::1]', 'loopback'],
  ])('IPv6 %s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });

  it.each(['example.com', '1.2.3', '1.2.3.256', '::1::2', '1:2:3:4:5:6:7:8:9', 'gggg::1', ''])(
    'does not take %j for an IP address',
    (text) => {
      expect(isIpAddress(text)).toBe(false);
      expect(() => classifyAddress(text)).toThrow(TypeError);
    },
  );
});

describe('checkWebhookUrl', () => {
  const strict = { allowLoopback: false };
  const local = { allowLoopback: true };

  it('accepts an https URL to a public host in every mode, keeping the text as given', () => {
    for (const opts of [strict, local]) {
      expect(checkWebhookUrl('https://hooks.example.com/calls?x=1', opts)).toEqual({
        ok: true,
        url: 'https://hooks.example.com/calls?x=1',
      });
      expect(checkWebhookUrl('https://8.8.8.8/hook', opts)).toEqual({
        ok: true,
        url: 'https://8.8.8.8/hook',
      });
    }
  });

  it('accepts http:// and loopback only in loopback-allowed (local) mode', () => {
    for (const url of [
      'http://localhost:4000/hook',
      'http://127.0.0.1:4000/hook',
      'http://[::1]:4000/hook',
      'https://localhost/hook',
      'http://api.localhost/x',
    ]) {
      expect(checkWebhookUrl(url, local)).toEqual({ ok: true, url });
      expect(checkWebhookUrl(url, strict).ok).toBe(false);
    }
    expect(checkWebhookUrl('http://hooks.example.com/', strict)).toEqual({
      ok: false,
      message: 'must be an https:// URL',
    });
    expect(checkWebhookUrl('https://127.0.0.1/', strict)).toEqual({
      ok: false,
      message: 'must not point at a loopback address',
    });
    expect(checkWebhookUrl('https://localhost/', strict)).toEqual({
      ok: false,
      message: 'must not point at localhost',
    });
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', /link-local/],
    ['http://10.0.0.5/hook', /private/],
    ['http://192.168.0.10/hook', /private/],
    ['http://100.64.1.1/hook', /carrier-grade NAT/],
    ['http://[fd00::1]/hook', /private/],
    ['http://[fe80::1]/hook', /link-local/],
    ['http://[::ffff:10.0.0.1]/hook', /private/],
    ['http://[::ffff:169.254.169.254]/hook', /link-local/],
    ['http://0.0.0.0:8080/', /unspecified/],
    ['http://198.51.100.1/', /reserved/],
    ['http://224.0.0.1/', /multicast/],
    // WHATWG URL parsing turns odd IPv4 spellings into dotted quads before the check.
    ['http://0xa9.0xfe.0xa9.0xfe/', /link-local/],
    ['http://2852039166/', /link-local/],
    ['http://0x0a000001/', /private/],
  ])('refuses %s in every mode', (url, message) => {
    for (const opts of [strict, local]) {
      const check = checkWebhookUrl(url.replace('http://', 'https://'), opts);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.message).toMatch(message);
    }
  });

  it.each([
    ['not a url', /absolute URL/],
    ['/relative/path', /absolute URL/],
    ['ftp://example.com/', /https:\/\//],
    ['javascript:alert(1)', /https:\/\//],
    ['https://user:secret@example.com/', /user name or password/],
    ['https://user@example.com/', /user name or password/],
    [' https://example.com/', /spaces/],
    [`https://example.com/${'a'.repeat(2100)}`, /2,048/],
  ])('refuses %j by its syntax', (url, message) => {
    const check = checkWebhookUrl(url, { allowLoopback: true });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(message);
  });
});
