import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A delivery whose signature one of the secrets verified. */
export interface VerifiedDelivery {
  /** The `webhook-id` header ('' when absent). */
  id: string;
  headers: Record<string, string>;
  /** The parsed JSON body. */
  body: any;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks` */
  url: string;
  close(): Promise<void>;
}

/**
 * A webhook receiver that verifies every delivery with the standardwebhooks library against any of
 * `secrets` (read on every delivery, so secrets pushed later count): a verified delivery goes to
 * `onDelivery` and is answered 204, any other is answered 400.
 */
export async function startWebhookReceiver(
  secrets: readonly string[],
  onDelivery: (delivery: VerifiedDelivery) => void,
): Promise<WebhookReceiver> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      // Any of the secrets may have signed it; the library must accept one of them.
      const verified = secrets.some((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (!verified) {
        res.writeHead(400).end('bad signature');
        return;
      }
      onDelivery({ id: headers['webhook-id'] ?? '', headers, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
