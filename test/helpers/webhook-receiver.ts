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
  /** When the body had arrived (ms since the epoch), before it was verified. */
  receivedAt: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks` */
  url: string;
  close(): Promise<void>;
}

/**
 * A webhook receiver that verifies every delivery with the standardwebhooks library against any of
 * `secrets` (read on every delivery, so secrets added or set later count): a verified delivery goes
 * to `onDelivery` and is answered with the status it returns (204 when it returns none), any other
 * goes to `onRejected` and is answered 400.
 */
export async function startWebhookReceiver(
  secrets: readonly string[] | (() => readonly string[]),
  onDelivery: (delivery: VerifiedDelivery) => number | void,
  onRejected: () => void = () => {},
): Promise<WebhookReceiver> {
  const current = typeof secrets === 'function' ? secrets : () => secrets;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAt = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      // Any of the secrets may have signed it; the library must accept one of them.
      const verified = current().some((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (!verified) {
        onRejected();
        res.writeHead(400).end('bad signature');
        return;
      }
      const status = onDelivery({
        id: headers['webhook-id'] ?? '',
        headers,
        body: JSON.parse(body),
        receivedAt,
      });
      res.writeHead(status ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
