/**
 * The real browser host in a process of its own, for tests that must see whether it survives:
 * serves a stand-in page from MNIST_STUDIO_TEST_RENDERER, prints {"port","token"} as one line.
 */
import { startHost } from '../server';

const host = await startHost({ rendererDir: process.env.MNIST_STUDIO_TEST_RENDERER });
console.log(JSON.stringify({ port: host.port, token: host.token }));
process.on('SIGTERM', () => void host.close().then(() => process.exit(0)));
