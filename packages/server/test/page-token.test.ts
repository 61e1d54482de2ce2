import { GyreError } from "@gyre/core/errors";
import { describe, expect, it } from "vitest";
import { decodePageToken, encodePageToken } from "../src/search/page-token.js";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

function invalidTokenMessage(token: string): string {
  try {
    decodePageToken(token);
  } catch (error) {
    expect(error).toBeInstanceOf(GyreError);
    expect((error as GyreError).code).toBe("INVALID_PARAMETER_VALUE");
    return (error as GyreError).message;
  }
  throw new Error(`expected ${JSON.stringify(token)} to be rejected`);
}

describe("page tokens", () => {
  it("encodes MLflow's exact bytes", () => {
    // base64.b64encode(json.dumps({"offset": 1000}).encode()) in Python.
    expect(encodePageToken(1000)).toBe("eyJvZmZzZXQiOiAxMDAwfQ==");
    expect(Buffer.from(encodePageToken(7), "base64").toString()).toBe('{"offset": 7}');
  });

  it("round-trips", () => {
    for (const offset of [1, 2, 999, 50_000, 2 ** 40]) {
      expect(decodePageToken(encodePageToken(offset))).toBe(offset);
    }
  });

  it("treats a missing or empty token as the first page", () => {
    expect(decodePageToken(undefined)).toBe(0);
    expect(decodePageToken("")).toBe(0);
  });

  it("accepts tokens without the space and URL-safe or unpadded base64", () => {
    expect(decodePageToken(b64('{"offset":5}'))).toBe(5);
    expect(decodePageToken("eyJvZmZzZXQiOiAxMDAwfQ")).toBe(1000);
  });

  it.each([
    ["not base64", "!!!"],
    ["spaces", "eyJv ZmZz"],
    ["impossible length", "eyJvZ"],
    ["too much padding", "eyJvZmZzZXQiOiAxMDAwfQ==="],
  ])("rejects invalid base64 (%s)", (_, token) => {
    expect(invalidTokenMessage(token)).toBe(`Invalid page token '${token}', could not base64-decode`);
  });

  it("rejects a payload that is not JSON", () => {
    const token = b64("offset=5");
    expect(invalidTokenMessage(token)).toBe(`Invalid page token '${token}', decoded value=offset=5`);
  });

  it.each([
    '{"offset": 0}',
    '{"offset": -3}',
    '{"offset": 1.5}',
    '{"offset": "5"}',
    '{"offset": null}',
    '{"start": 5}',
    "[5]",
    "5",
    "null",
    '{"offset": 1e300}',
  ])("rejects %s for its offset", (payload) => {
    const token = b64(payload);
    expect(invalidTokenMessage(token)).toBe(`Invalid page token '${token}', parsed value=${payload}`);
  });

  it("refuses to encode offsets that cannot be decoded", () => {
    expect(() => encodePageToken(0)).toThrow(RangeError);
    expect(() => encodePageToken(-1)).toThrow(RangeError);
    expect(() => encodePageToken(1.5)).toThrow(RangeError);
  });
});
