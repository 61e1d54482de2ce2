// A Gyre server in its own process, for tests that kill it: prints {"url": ...} once listening.
import { createGyre } from "../../dist/index.js";

const [backendStoreUri, artifactsDestination] = process.argv.slice(2);
const gyre = await createGyre({ backendStoreUri, artifactsDestination, port: 0, logLevel: false });
const url = await gyre.listen();
process.stdout.write(`${JSON.stringify({ url })}\n`);
