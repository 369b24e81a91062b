import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local webhook receiver that answers 204 and notes when each event arrived. */

export interface Arrival {
  at: number;
  webhookId: string;
  type: string;
  /** The recipient's id, or the batch's for batch events. */
  subject: string;
  /** The recipient's number (recipient events only). */
  phone: string | null;
}

export interface Receiver {
  url: string;
  arrivals: Arrival[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          type: string;
          data: { recipient_id?: string; id?: string; phone?: string };
        };
        arrivals.push({
          at,
          webhookId: String(req.headers['webhook-id'] ?? ''),
          type: body.type,
          subject: body.data.recipient_id ?? body.data.id ?? '',
          phone: body.data.phone ?? null,
        });
      } catch {
        // Not a webhook body: still answered, not counted.
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
