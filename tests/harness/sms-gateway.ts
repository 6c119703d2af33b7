/**
 * An SMS/voice provider on loopback, speaking the server's gateway protocol (JSON POST {to, channel, text, purpose}
 * with a bearer token): it keeps every message, and can hold the next ones unanswered (a slow provider), so that a
 * request of the server stays in flight for as long as a test needs.
 */
import { once } from 'node:events';
import http from 'node:http';

export interface SmsMessage {
  to: string;
  channel: string;
  text: string;
  purpose: string;
  authorization: string | undefined;
}

export class SmsGateway {
  readonly messages: SmsMessage[] = [];
  #holding = false;
  readonly #held: http.ServerResponse[] = [];
  #onArrival: (() => void) | null = null;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<SmsGateway> {
    let gateway: SmsGateway | null = null;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => gateway?.receive(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SmsMessage, request.headers.authorization, response));
    });
    gateway = new SmsGateway(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return gateway;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}/messages`;
  }

  private receive(message: SmsMessage, authorization: string | undefined, response: http.ServerResponse): void {
    this.messages.push({ ...message, authorization });
    if (this.#holding) this.#held.push(response);
    else response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    this.#onArrival?.();
    this.#onArrival = null;
  }

  /** From now on, messages are kept unanswered until `release`. Resolves when the next one arrives. */
  holdNext(): Promise<void> {
    this.#holding = true;
    return new Promise((resolve) => (this.#onArrival = resolve));
  }

  release(): void {
    this.#holding = false;
    for (const response of this.#held.splice(0)) response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }

  /** The 8-digit code of the newest message to this phone, as a person reads it. */
  latestCode(phone: string): string {
    const message = [...this.messages].reverse().find((candidate) => candidate.to === phone);
    const code = message ? /([0-9](?: ?[0-9]){7})/.exec(message.text)?.[1]?.replace(/ /g, '') : undefined;
    if (!code) throw new Error(`no code sent to ${phone}`);
    return code;
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
