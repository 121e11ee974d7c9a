// The floor for any proxy written on node:net: each client connection gets its
// own upstream connection and bytes are copied both ways, with no HTTP parsing,
// no routing and no split (everything goes to the first upstream).
// Usage: node pipe-proxy.mjs <upstreamPort>   (prints {"url": ...})
import net from 'node:net';

const upstreamPort = Number(process.argv[2]);
const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
  client.on('data', (chunk) => upstream.write(chunk));
  upstream.on('data', (chunk) => client.write(chunk));
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.on('error', () => {});
  upstream.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`));
