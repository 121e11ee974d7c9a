// A tiny, fast model-server stand-in for the benchmark: answers every request
// on each given port with a small KServe V1 prediction. Raw TCP so that the
// upstream is not what limits the proxies being measured.
// Usage: node upstream.mjs <port> [<port> ...]   (0 = ephemeral; prints the bound ports as JSON)
import net from 'node:net';

const BODY = '{"predictions":[0.4817]}';
const RESPONSE = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY}`);
const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

function serve(socket) {
  socket.setNoDelay(true);
  let pending = null;
  let bodyLeft = 0;
  socket.on('data', (chunk) => {
    let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    pending = null;
    let at = 0;
    let answers = 0;
    while (at < buf.length) {
      if (bodyLeft > 0) {
        const take = Math.min(bodyLeft, buf.length - at);
        bodyLeft -= take;
        at += take;
        if (bodyLeft === 0) answers++;
        continue;
      }
      const end = buf.indexOf(HEAD_END, at);
      if (end === -1) {
        pending = buf.subarray(at);
        break;
      }
      const match = CONTENT_LENGTH.exec(buf.toString('latin1', at, end));
      bodyLeft = match ? Number(match[1]) : 0;
      at = end + 4;
      if (bodyLeft === 0) answers++;
    }
    if (answers === 1) socket.write(RESPONSE);
    else if (answers > 1) socket.write(Buffer.concat(Array(answers).fill(RESPONSE)));
  });
  socket.on('error', () => {});
}

const ports = process.argv.slice(2).map(Number);
const bound = [];
for (const port of ports.length ? ports : [0]) {
  const server = net.createServer(serve);
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  bound.push(server.address().port);
}
process.stdout.write(`${JSON.stringify({ ports: bound })}\n`);
