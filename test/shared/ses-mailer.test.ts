import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sesMailer } from "../../functions/shared/mail.ts";

/**
 * The SES adapter against a stand-in SESv2 endpoint (the SDK's real protocol, no mocks): one
 * SendEmail from the configured sender to the one recipient, plain-text UTF-8 content.
 */
const requests: { method: string; path: string; body: unknown }[] = [];
const server = createServer(async (req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  requests.push({
    method: req.method ?? "",
    path: req.url ?? "",
    body: JSON.parse(Buffer.concat(chunks).toString()),
  });
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ MessageId: "test-message-id" }));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  process.env.AWS_ENDPOINT_URL_SESV2 = `http://127.0.0.1:${port}`;
  process.env.AWS_REGION = "eu-central-1";
  process.env.AWS_ACCESS_KEY_ID = "test";
  process.env.AWS_SECRET_ACCESS_KEY = "test";
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("SES mailer", () => {
  it("sends one SESv2 SendEmail from the deployed sender to the recipient", async () => {
    await sesMailer("no-reply@mail.example.com").send({
      to: "invitee@example.test",
      subject: "You are invited",
      text: "Open https://app.example.com/accept-invitation?token=tgi_x",
    });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: "POST",
      path: "/v2/email/outbound-emails",
      body: {
        FromEmailAddress: "no-reply@mail.example.com",
        Destination: { ToAddresses: ["invitee@example.test"] },
        Content: {
          Simple: {
            Subject: { Data: "You are invited", Charset: "UTF-8" },
            Body: {
              Text: { Data: "Open https://app.example.com/accept-invitation?token=tgi_x", Charset: "UTF-8" },
            },
          },
        },
      },
    });
  });
});
