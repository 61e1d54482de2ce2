import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { SIGNATURE_HEADER } from "@gyre/server";

/** A webhook endpoint on a free loopback port: the demo's stand-in for a pager, checking signatures. */
export class AlertReceiver {
  readonly deliveries: { body: unknown; signed: boolean }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(secret = "gyre-demo"): Promise<AlertReceiver> {
    let receiver: AlertReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks);
        const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          parsed = body.toString("utf8");
        }
        receiver?.deliveries.push({ body: parsed, signed: request.headers[SIGNATURE_HEADER] === expected });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    receiver = new AlertReceiver(server, `http://127.0.0.1:${port}/alerts`);
    return receiver;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
